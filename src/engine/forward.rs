//! The forward pass: `d f` by the differential rules, one rule application per node of
//! f's DAG (children first, each shared subterm once), so its cost is linear in the
//! size of f. The result is a term linear in the differentials `(d X)` of the variables
//! (or, for a scalar variable seeded with 1, the derivative itself).

use std::collections::HashMap;

use egg::{ENodeOrVar, Id, Language, Pattern, PatternAst, RecExpr, Searcher, Subst, Symbol};

use crate::analysis::MathGraph;
use crate::error::Error;
use crate::lang::{Math, Op};
use crate::rules::heads::OpSet;
use crate::rules::{Phase, Rule, RuleSet};

/// What a variable's own differential is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Seed {
    /// `(d X)`: the pass builds `d f` linear in the variables' differentials.
    Differential,
    /// `1` for a scalar variable: the pass builds the derivative df/dx itself.
    One,
}

/// A rule of the pass: its rule and the pattern under its root (`d PATTERN`).
pub struct Directed<'r> {
    pub rule: &'r Rule,
    pub inner: Pattern<Math>,
}

/// The pattern rooted at node `id` of `ast`, copied out.
pub fn subpattern(ast: &PatternAst<Math>, id: Id) -> PatternAst<Math> {
    let mut out: PatternAst<Math> = RecExpr::default();
    let mut map: HashMap<Id, Id> = HashMap::new();
    let mut stack = vec![(id, false)];
    while let Some((i, done)) = stack.pop() {
        if map.contains_key(&i) {
            continue;
        }
        let node = &ast[i];
        let kids: Vec<Id> = match node {
            ENodeOrVar::ENode(n) => n.children().to_vec(),
            ENodeOrVar::Var(_) => vec![],
        };
        if done || kids.iter().all(|k| map.contains_key(k)) {
            let n = match node {
                ENodeOrVar::ENode(n) => ENodeOrVar::ENode(n.clone().map_children(|c| map[&c])),
                v => v.clone(),
            };
            map.insert(i, out.add(n));
        } else {
            stack.push((i, true));
            for k in kids.iter().rev() {
                stack.push((*k, false));
            }
        }
    }
    out
}

impl<'r> Directed<'r> {
    /// The rules of `phase` with their inner patterns: `(d P)` gives P, `(lin ?c P)` and
    /// `(jacv ?j P)` give P (the coefficient variable is bound by the pass itself).
    /// With `present`, only the rules that can match from those operators.
    pub fn of(
        rules: &'r RuleSet,
        phase: Phase,
        without: &[String],
        present: Option<OpSet>,
    ) -> Vec<Directed<'r>> {
        rules
            .of_phase_for(phase, without, present)
            .into_iter()
            .filter_map(|rule| {
                let ast = &rule.lhs.ast;
                let root = ast.as_ref().last()?;
                let inner = match root {
                    ENodeOrVar::ENode(Math::Unary(Op::D, [p])) => *p,
                    ENodeOrVar::ENode(Math::Binary(Op::Lin | Op::JacV, [_, p])) => *p,
                    _ => return None,
                };
                Some(Directed {
                    rule,
                    inner: Pattern::new(subpattern(ast, inner)),
                })
            })
            .collect()
    }
}

/// The pass's state: tangents found so far and the rule used for each class.
pub struct Forward<'r> {
    set: &'r RuleSet,
    without: Vec<String>,
    /// The rules that can match in f, chosen when the pass runs.
    rules: Vec<Directed<'r>>,
    wrt: Vec<Symbol>,
    seed: Seed,
    tangent: HashMap<Id, Id>,
    /// Per class of f: the rule that gave its differential (for steps and statistics).
    pub applied: Vec<(Id, &'r str)>,
    /// How deep on-demand differentials of new terms (`d(X^(k-1))`) may nest.
    depth: usize,
    deadline: Option<std::time::Instant>,
}

const MAX_NESTED: usize = 256;

impl<'r> Forward<'r> {
    pub fn new(
        rules: &'r RuleSet,
        without: &[String],
        wrt: Vec<Symbol>,
        seed: Seed,
    ) -> Forward<'r> {
        Forward {
            set: rules,
            without: without.to_vec(),
            rules: Vec::new(),
            wrt,
            seed,
            tangent: HashMap::new(),
            applied: Vec::new(),
            depth: 0,
            deadline: None,
        }
    }

    /// Stops the pass with `Error::Limit` once `deadline` has passed.
    pub fn with_deadline(mut self, deadline: std::time::Instant) -> Forward<'r> {
        self.deadline = Some(deadline);
        self
    }

    /// The differential of every node of `expr` (added to `g` first), children first;
    /// returns the class of `d` of the root.
    pub fn run(&mut self, g: &mut MathGraph, expr: &RecExpr<Math>) -> Result<Id, Error> {
        let mut present = OpSet::of_expr(expr);
        present.insert(Op::D);
        self.rules = Directed::of(self.set, Phase::Differential, &self.without, Some(present));
        let mut ids: Vec<Id> = Vec::with_capacity(expr.as_ref().len());
        for node in expr.as_ref() {
            let n = node.clone().map_children(|c| ids[usize::from(c)]);
            ids.push(g.add(n));
        }
        let mut last = None;
        for id in &ids {
            last = Some(self.tangent_of(g, *id)?);
        }
        last.ok_or_else(|| Error::plain("an empty expression has no differential"))
    }

    /// The differential of class `c` (memoized).
    pub fn tangent_of(&mut self, g: &mut MathGraph, c: Id) -> Result<Id, Error> {
        let c = g.find(c);
        if let Some(t) = self.tangent.get(&c) {
            return Ok(*t);
        }
        if let Some(x) = self.variable(g, c) {
            let t = match self.seed {
                Seed::Differential => g.add(Math::unary(Op::D, c)),
                Seed::One if self.wrt.first() == Some(&x) => g.add(Math::num(1.0)),
                Seed::One => g.add(Math::zero(g[c].data.shape)),
            };
            self.tangent.insert(c, t);
            return Ok(t);
        }
        if self.deadline.is_some_and(|d| std::time::Instant::now() > d) {
            return Err(Error::Limit(
                "the time limit ended the differentiation (the expression is very large)"
                    .to_string(),
            ));
        }
        self.depth += 1;
        if self.depth > MAX_NESTED {
            self.depth -= 1;
            return Err(Error::plain("differentials of new terms nest too deeply"));
        }
        let out = self.apply_first(g, c);
        self.depth -= 1;
        let (t, name) = out?;
        self.tangent.insert(c, t);
        self.applied.push((c, name));
        Ok(t)
    }

    /// A variable of differentiation that class `c` is.
    fn variable(&self, g: &MathGraph, c: Id) -> Option<Symbol> {
        if !g[c].data.is_wrt {
            return None;
        }
        g[c].nodes.iter().find_map(|n| match n {
            Math::Sym(s) if self.wrt.contains(s) => Some(*s),
            _ => None,
        })
    }

    /// The first rule whose pattern, conditions and shapes fit class `c`, applied.
    fn apply_first(&mut self, g: &mut MathGraph, c: Id) -> Result<(Id, &'r str), Error> {
        crate::analysis::ready_for_search(g);
        let candidates: Vec<(usize, Vec<Subst>)> = self
            .rules
            .iter()
            .enumerate()
            .filter_map(|(i, d)| d.inner.search_eclass(g, c).map(|m| (i, m.substs)))
            .collect();
        for (i, substs) in candidates {
            let rule: &'r Rule = self.rules[i].rule;
            for subst in substs {
                if !rule.conditions.iter().all(|cond| cond.check(g, &subst)) {
                    continue;
                }
                let vars = |v| subst.get(v).copied();
                let mut failed = None;
                let mut d_of = |g: &mut MathGraph, child: Id| match self.tangent_of(g, child) {
                    Ok(t) => Some(t),
                    Err(e) => {
                        failed = Some(e);
                        None
                    }
                };
                let built = rule.rhs.add_with(g, &vars, &mut d_of);
                if let Some(e) = failed {
                    return Err(e);
                }
                if let Some(t) = built {
                    // The differential has the shape of what it differentiates.
                    if g[t].data.shape == g[c].data.shape {
                        return Ok((t, rule.name.as_str()));
                    }
                }
            }
        }
        let what = g[c]
            .nodes
            .iter()
            .find_map(|n| n.operator())
            .map(|o| o.name().to_string())
            .unwrap_or_else(|| g[c].nodes[0].to_string());
        Err(Error::plain(format!(
            "no differential rule applies to `{what}` ({}): the rule set is incomplete",
            g[c].data.shape
        )))
    }
}
