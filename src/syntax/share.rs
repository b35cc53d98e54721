//! Printing a DAG as text: large subterms the expression repeats are named once
//! (`… where h1 = …`, SPEC §3) and everything else is unfolded into trees, the form the
//! printers walk and the reader reads back.

use std::cell::{Cell, RefCell};
use std::collections::HashMap;

use egg::{Id, Language, RecExpr, Symbol};

use crate::env::Env;
use crate::lang::{Math, Text};

/// An expression ready to print: definitions (each may use the ones before it) and the
/// body, each a tree whose leaves may be the defined names.
#[derive(Debug, Clone)]
pub struct Unfolded {
    pub bindings: Vec<(Symbol, RecExpr<Math>)>,
    pub body: RecExpr<Math>,
}

/// The names given to shared subterms over several printed expressions (the
/// derivatives by each of several variables, shown together): a subterm named in two of
/// them has one name, and a name never means two subterms. Each expression still
/// chooses what to name by itself and lists its own definitions, so that each reads
/// back alone.
#[derive(Debug, Default)]
pub struct Names {
    /// The subterm (its S-expression, in full) → its name.
    by_subterm: RefCell<HashMap<String, Symbol>>,
    next: Cell<usize>,
}

impl Names {
    fn name_for(&self, subterm: String, env: &Env) -> Symbol {
        if let Some(s) = self.by_subterm.borrow().get(&subterm) {
            return *s;
        }
        let name = loop {
            let k = self.next.get() + 1;
            self.next.set(k);
            let s = Symbol::from(format!("h{k}"));
            if !env.is_taken(s) {
                break s;
            }
        };
        self.by_subterm.borrow_mut().insert(subterm, name);
        name
    }
}

/// A repeated subterm is named when its text is at least this long…
const LONG: usize = 24;
/// …or, in a derivative whose inline text would exceed `CROWDED`, at least `MEDIUM`.
const CROWDED: usize = 160;
const MEDIUM: usize = 10;

/// Merges equal nodes, so that repeated subterms are one node each.
fn hashcons(expr: &RecExpr<Math>) -> (RecExpr<Math>, Vec<Id>) {
    let mut out: RecExpr<Math> = RecExpr::default();
    let mut seen: HashMap<Math, Id> = HashMap::new();
    let mut map: Vec<Id> = Vec::with_capacity(expr.as_ref().len());
    for node in expr.as_ref() {
        let n = node.clone().map_children(|c| map[usize::from(c)]);
        let id = *seen.entry(n.clone()).or_insert_with(|| out.add(n));
        map.push(id);
    }
    (out, map)
}

/// An estimate of each node's printed length, and its count of uses.
fn lengths_and_uses(expr: &RecExpr<Math>) -> (Vec<usize>, Vec<usize>) {
    let nodes = expr.as_ref();
    let mut len = vec![0usize; nodes.len()];
    let mut uses = vec![0usize; nodes.len()];
    for (i, node) in nodes.iter().enumerate() {
        let kids: usize = node.children().iter().map(|c| len[usize::from(*c)]).sum();
        len[i] = match node {
            Math::Unary(op, _) | Math::Binary(op, _) => match op.info().text {
                Text::Infix(s, _) => s.len() + kids + 2,
                Text::Call(f) => f.len() + 2 + kids + 2 * node.children().len(),
                _ => 1 + kids,
            },
            other => other.to_string().len(),
        };
        for c in node.children() {
            uses[usize::from(*c)] += 1;
        }
    }
    (len, uses)
}

/// Unfolds `expr` into trees, naming repeated large subterms when `share` is set.
/// Names are `h1`, `h2`, … avoiding the names of `env` and the input's own `where` names,
/// and the same as `names` gave the same subterms before.
pub fn unfold(expr: &RecExpr<Math>, env: &Env, share: bool, names: &Names) -> Unfolded {
    let (dag, _) = hashcons(expr);
    let nodes = dag.as_ref();
    let n = nodes.len();
    let mut named: Vec<Option<Symbol>> = vec![None; n];
    if share && n > 0 {
        let (len, uses) = lengths_and_uses(&dag);
        let total = len[n - 1];
        let mut eff = len.clone();
        let unnamed: Vec<Option<Symbol>> = vec![None; n];
        for i in 0..n.saturating_sub(1) {
            // Lengths with the names already chosen below standing for their subterms.
            let kids: usize = nodes[i]
                .children()
                .iter()
                .map(|c| {
                    let c = usize::from(*c);
                    if named[c].is_some() {
                        2
                    } else {
                        eff[c]
                    }
                })
                .sum();
            eff[i] = len[i]
                - nodes[i]
                    .children()
                    .iter()
                    .map(|c| len[usize::from(*c)])
                    .sum::<usize>()
                + kids;
            let wanted = !nodes[i].is_leaf()
                && uses[i] >= 2
                && (eff[i] >= LONG || (total > CROWDED && eff[i] >= MEDIUM));
            if wanted {
                let subterm = tree(&dag, Id::from(i), &unnamed, false).to_string();
                named[i] = Some(names.name_for(subterm, env));
            }
        }
    }
    let mut bindings = Vec::new();
    for i in 0..n {
        if let Some(name) = named[i] {
            bindings.push((name, tree(&dag, Id::from(i), &named, false)));
        }
    }
    let body = if n == 0 {
        RecExpr::default()
    } else {
        tree(&dag, Id::from(n - 1), &named, true)
    };
    Unfolded { bindings, body }
}

/// The tree under `root`, with named nodes below it as their names (the root itself
/// is expanded when `is_body` is false: it is the definition being written).
fn tree(dag: &RecExpr<Math>, root: Id, named: &[Option<Symbol>], is_body: bool) -> RecExpr<Math> {
    let mut out: RecExpr<Math> = RecExpr::default();
    // Iterative post-order copy: deep derivatives must not exhaust the stack.
    let mut stack: Vec<(Id, bool)> = vec![(root, false)];
    let mut done: Vec<Id> = Vec::new();
    while let Some((id, expanded)) = stack.pop() {
        let i = usize::from(id);
        let as_name = named[i].filter(|_| id != root || is_body);
        if let Some(name) = as_name {
            done.push(out.add(Math::Sym(name)));
            continue;
        }
        let node = &dag[id];
        if expanded || node.is_leaf() {
            let k = node.children().len();
            let kids: Vec<Id> = done.split_off(done.len() - k);
            let mut it = kids.into_iter();
            let n = node
                .clone()
                .map_children(|_| it.next().unwrap_or(Id::from(0)));
            done.push(out.add(n));
        } else {
            stack.push((id, true));
            for c in node.children().iter().rev() {
                stack.push((*c, false));
            }
        }
    }
    out
}
