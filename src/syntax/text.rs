//! Typed expressions printed back in the language of SPEC §1, with the fewest
//! parentheses that make the parser read the same expression back, every operator
//! spelled as the table says, shaped constants sized only where the context does not
//! size them (`sizing`), and large repeated subterms named once (`share`).

use egg::{Id, RecExpr};

use super::share::{unfold, Names, Unfolded};
use super::sizing::{broadcast_operand, short_constants, Short};
use crate::env::Env;
use crate::lang::prec::Prec;
use crate::lang::{shapes_of, Const, Math, Op, Text};
use crate::shape::Shape;

/// How to print: whether the reader knows the whole's shape (a derivative is read
/// against its shape, so `I` alone is enough), and whether to name repeated subterms.
#[derive(Debug, Clone, Copy, Default)]
pub struct TextOptions {
    pub root: Option<Shape>,
    pub share: bool,
}

/// Text printed with names: the body, and the definitions it uses in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SharedText {
    pub body: String,
    pub bindings: Vec<(String, String)>,
}

impl SharedText {
    /// `body where h1 = …; h2 = …`, the form the reader accepts.
    pub fn program(&self) -> String {
        if self.bindings.is_empty() {
            return self.body.clone();
        }
        let defs: Vec<String> = self
            .bindings
            .iter()
            .map(|(n, t)| format!("{n} = {t}"))
            .collect();
        format!("{} where {}", self.body, defs.join("; "))
    }
}

/// The expression as text that reads back under `env`'s names.
pub fn to_text(expr: &RecExpr<Math>, env: &Env, opts: TextOptions) -> String {
    to_text_shared(expr, env, opts).program()
}

/// The expression as text with its large repeated subterms named (when `opts.share`).
pub fn to_text_shared(expr: &RecExpr<Math>, env: &Env, opts: TextOptions) -> SharedText {
    to_text_named(expr, env, opts, &Names::default())
}

/// `to_text_shared`, naming subterms as `names` did for the expressions shown with it.
pub fn to_text_named(
    expr: &RecExpr<Math>,
    env: &Env,
    opts: TextOptions,
    names: &Names,
) -> SharedText {
    let u = unfold(expr, env, opts.share, names);
    print_unfolded(&u, env, opts.root)
}

/// Text for a node of an internal expression (proof steps), sized conservatively.
pub fn node_text(expr: &RecExpr<Math>, env: &Env) -> String {
    to_text(expr, env, TextOptions::default())
}

fn print_unfolded(u: &Unfolded, env: &Env, root: Option<Shape>) -> SharedText {
    // The bindings' shapes over the environment's (not a copy of it: a thousand
    // variables would be copied for every derivative).
    let mut bound: std::collections::HashMap<egg::Symbol, Shape> = std::collections::HashMap::new();
    let mut shapes: Vec<Vec<Shape>> = Vec::new();
    let trees: Vec<&RecExpr<Math>> = u
        .bindings
        .iter()
        .map(|(_, e)| e)
        .chain(std::iter::once(&u.body))
        .collect();
    for (t, expr) in trees.iter().enumerate() {
        // A tree that has no shape (an internal node without one) prints sized.
        let s = shapes_of(expr, |v| bound.get(&v).copied().or_else(|| env.shape(v)))
            .unwrap_or_else(|_| vec![Shape::scalar(); expr.as_ref().len()]);
        if let (Some((name, _)), Some(last)) = (u.bindings.get(t), s.last()) {
            bound.insert(*name, *last);
        }
        shapes.push(s);
    }
    let short = short_constants(u, &shapes, env, root);
    let text = |t: usize| -> String {
        let expr = trees[t];
        if expr.as_ref().is_empty() {
            return String::new();
        }
        let p = Printer {
            expr,
            shapes: &shapes[t],
            short: &short[t],
        };
        p.print(Id::from(expr.as_ref().len() - 1), None).0
    };
    let bindings = u
        .bindings
        .iter()
        .enumerate()
        .map(|(t, (name, _))| (name.to_string(), text(t)))
        .collect();
    SharedText {
        body: text(trees.len() - 1),
        bindings,
    }
}

struct Printer<'a> {
    expr: &'a RecExpr<Math>,
    shapes: &'a [Shape],
    short: &'a [Option<Short>],
}

impl Printer<'_> {
    /// The child at `id`, in parentheses if it binds looser than `min`.
    fn at(&self, id: Id, parent: Id, min: Prec) -> String {
        let (s, p) = self.print(id, Some(parent));
        if p < min {
            format!("({s})")
        } else {
            s
        }
    }

    fn call(&self, id: Id, f: &str, args: &[Id]) -> (String, Prec) {
        let args: Vec<String> = args.iter().map(|a| self.at(*a, id, Prec::Add)).collect();
        (format!("{f}({})", args.join(", ")), Prec::Atom)
    }

    /// `dX` for a variable, `d(…)` otherwise.
    fn differential(&self, x: Id, parent: Id) -> String {
        match &self.expr[x] {
            Math::Sym(s) => format!("d{s}"),
            _ => format!("d({})", self.at(x, parent, Prec::Add)),
        }
    }

    fn print(&self, id: Id, parent: Option<Id>) -> (String, Prec) {
        let node = &self.expr[id];
        let short = self.short[usize::from(id)];
        if short == Some(Short::Broadcast)
            && parent.is_some_and(|p| broadcast_operand(self.expr, self.shapes, p, id))
        {
            return self.broadcast(id);
        }
        match node {
            Math::Num(n) if n.value() < 0.0 => (n.to_string(), Prec::Unary),
            Math::Num(n) => (n.to_string(), Prec::Atom),
            Math::Sym(s) => (s.to_string(), Prec::Atom),
            Math::Const(c) => {
                let text = constant(*c, short == Some(Short::Bare));
                // `ones(n)'` and `ones(m)*ones(n)'` bind like what they are.
                let p = if text.contains('*') {
                    Prec::Mul
                } else if text.ends_with('\'') {
                    Prec::Postfix
                } else {
                    Prec::Atom
                };
                (text, p)
            }
            Math::Unary(op, [a]) => self.unary(id, *op, *a),
            Math::Binary(op, [a, b]) => self.binary(id, *op, *a, *b),
        }
    }

    /// `1`, `0` or `s`: a scalar the reader spreads over the other operand of a sum.
    fn broadcast(&self, id: Id) -> (String, Prec) {
        match &self.expr[id] {
            Math::Const(Const::Ones(..)) => ("1".to_string(), Prec::Atom),
            Math::Const(Const::Zero(..)) => ("0".to_string(), Prec::Atom),
            Math::Binary(Op::Mul, [s, _]) => self.print(*s, Some(id)),
            _ => self.print(id, None),
        }
    }

    fn unary(&self, id: Id, op: Op, a: Id) -> (String, Prec) {
        match op.info().text {
            Text::Prefix(sym) => (format!("{sym}{}", self.at(a, id, Prec::Unary)), Prec::Unary),
            Text::Postfix(sym) => (
                format!("{}{sym}", self.at(a, id, Prec::Postfix)),
                Prec::Postfix,
            ),
            Text::Call(f) => self.call(id, f, &[a]),
            _ => match op {
                Op::D => (self.differential(a, id), Prec::Atom),
                _ => self.call(id, op.name(), &[a]),
            },
        }
    }

    fn binary(&self, id: Id, op: Op, a: Id, b: Id) -> (String, Prec) {
        // Division by a scalar is `/`, as a user writes it (`./` stays for arrays).
        if op == Op::HDiv && self.shapes[usize::from(b)].is_scalar() {
            let text = format!(
                "{}/{}",
                self.at(a, id, Prec::Mul),
                self.at(b, id, Prec::Unary)
            );
            return (text, Prec::Mul);
        }
        match op.info().text {
            // Left-associative: the right operand binds one level tighter.
            Text::Infix(sym, p) => {
                let right = match p {
                    Prec::Add => Prec::Mul,
                    _ => Prec::Unary,
                };
                (
                    format!("{}{sym}{}", self.at(a, id, p), self.at(b, id, right)),
                    p,
                )
            }
            // The base of `^` is read at the postfix level, the exponent at the unary one.
            Text::Power(sym) => (
                format!(
                    "{}{sym}{}",
                    self.at(a, id, Prec::Postfix),
                    self.at(b, id, Prec::Unary)
                ),
                Prec::Pow,
            ),
            Text::Call("unvec") => {
                let rows = self.shapes[usize::from(b)].rows;
                (
                    format!("unvec({}, {rows})", self.at(a, id, Prec::Add)),
                    Prec::Atom,
                )
            }
            Text::Call(f) => self.call(id, f, &[a, b]),
            _ => match op {
                // Canonical forms, for step-by-step output only: not input syntax.
                Op::Lin => (
                    format!(
                        "tr({}*{})",
                        self.at(a, id, Prec::Mul),
                        self.differential_term(b, id)
                    ),
                    Prec::Atom,
                ),
                Op::JacV => {
                    let t = match &self.expr[b] {
                        Math::Unary(Op::D, [x]) => self.differential(*x, b),
                        _ => self.at(b, id, Prec::Add),
                    };
                    (format!("{}*vec({t})", self.at(a, id, Prec::Mul)), Prec::Mul)
                }
                _ => self.call(id, op.name(), &[a, b]),
            },
        }
    }

    /// The second operand of a canonical form, as the tutorial writes it.
    fn differential_term(&self, t: Id, parent: Id) -> String {
        match &self.expr[t] {
            Math::Unary(Op::D, [x]) => self.differential(*x, t),
            _ => self.at(t, parent, Prec::Unary),
        }
    }
}

/// Shaped constants as a user writes them: bare where the context sizes them.
fn constant(c: Const, bare: bool) -> String {
    match c {
        Const::Eye(_) if bare => "I".to_string(),
        Const::Eye(n) => format!("I({n})"),
        Const::Ones(_, c) if bare && c.is_one() => "ones".to_string(),
        Const::Ones(r, c) if c.is_one() => format!("ones({r})"),
        // A row or a matrix of ones as other tools write it: ones(n)', ones(m)*ones(n)'.
        Const::Ones(r, c) if r.is_one() => format!("ones({c})'"),
        Const::Ones(r, c) => format!("ones({r})*ones({c})'"),
        Const::Zero(r, c) if c.is_one() => format!("zeros({r})"),
        Const::Zero(r, c) if r.is_one() => format!("zeros({c})'"),
        Const::Zero(r, c) => format!("zeros({r}, {c})"),
        Const::Commutation(m, n) => format!("K({m}, {n})"),
    }
}
