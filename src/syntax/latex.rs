//! Typed expressions as LaTeX, the way the tutorial typesets them: products by
//! juxtaposition, `^\top`, `\circ`, `X^{-1}`, and `\left( … \right)` only where needed.
//! Operators are spelled as the table says; products, powers, transposes and the
//! canonical forms are written here.

use egg::{Id, RecExpr};

use super::share::{unfold, Names};
use super::sizing::broadcast_operand;
use crate::env::Env;
use crate::lang::prec::Prec as TPrec;
use crate::lang::{shapes_of, Const, Latex, Math, Op};
use crate::shape::{Dim, Shape};

/// Binding strength, loosest first. `\otimes` and then `\circ`/`\oslash` sit between
/// `+` and juxtaposition, so that `A \otimes B C` or `x \circ y z` need no convention.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Prec {
    Add,
    Kron,
    Had,
    Mul,
    Unary,
    /// A superscripted base (`x^{2}`, `X^\top`, `X^{-1}`): another superscript needs
    /// parentheses.
    Script,
    Atom,
}

/// The expression as LaTeX; large repeated subterms are named (`\text{where } h_1 = …`)
/// when `share` is set.
pub fn to_latex(expr: &RecExpr<Math>, env: &Env, share: bool) -> String {
    to_latex_named(expr, env, share, &Names::default())
}

/// `to_latex`, naming subterms as `names` did for the expressions shown with it.
pub fn to_latex_named(expr: &RecExpr<Math>, env: &Env, share: bool, names: &Names) -> String {
    let u = unfold(expr, env, share, names);
    let mut scope = env.clone();
    let mut parts = Vec::new();
    let mut body = String::new();
    let trees: Vec<(Option<egg::Symbol>, &RecExpr<Math>)> = u
        .bindings
        .iter()
        .map(|(n, e)| (Some(*n), e))
        .chain(std::iter::once((None, &u.body)))
        .collect();
    for (name, e) in trees {
        if e.as_ref().is_empty() {
            continue;
        }
        let shapes = shapes_of(e, |v| scope.shape(v))
            .unwrap_or_else(|_| vec![Shape::scalar(); e.as_ref().len()]);
        let text = Printer {
            expr: e,
            shapes: &shapes,
        }
        .print(Id::from(e.as_ref().len() - 1), None)
        .0;
        match name {
            Some(n) => {
                if let Some(s) = shapes.last() {
                    scope.vars.insert(
                        n,
                        crate::env::VarInfo {
                            kind: crate::env::VarKind::Matrix,
                            shape: *s,
                            declared: true,
                        },
                    );
                }
                parts.push(format!("{} = {text}", name_of(n.as_str())));
            }
            None => body = text,
        }
    }
    if parts.is_empty() {
        body
    } else {
        format!("{body} \\quad \\text{{where }} {}", parts.join(",\\; "))
    }
}

struct Printer<'a> {
    expr: &'a RecExpr<Math>,
    shapes: &'a [Shape],
}

type Out = (String, Prec);

fn from_table(p: TPrec) -> Prec {
    match p {
        TPrec::Add => Prec::Add,
        TPrec::Mul => Prec::Had,
        _ => Prec::Mul,
    }
}

impl Printer<'_> {
    fn at(&self, id: Id, parent: Id, min: Prec) -> String {
        let (s, p) = self.print(id, Some(parent));
        if p < min {
            format!("\\left({s}\\right)")
        } else {
            s
        }
    }

    fn scalar(&self, id: Id) -> bool {
        self.shapes[usize::from(id)].is_scalar()
    }

    fn call(&self, id: Id, f: &str, a: Id) -> Out {
        (
            format!("{f}\\left({}\\right)", self.at(a, id, Prec::Add)),
            Prec::Atom,
        )
    }

    /// `a op b`; a negative right operand is parenthesized too (`a - \left(-b\right)`).
    fn infix(&self, id: Id, a: Id, op: &str, b: Id, p: Prec) -> Out {
        let right = match p {
            Prec::Add => Prec::Kron,
            Prec::Kron => Prec::Had,
            _ => Prec::Mul,
        };
        let (bs, pb) = self.print(b, Some(id));
        let bs = if pb < right || pb == Prec::Unary {
            format!("\\left({bs}\\right)")
        } else {
            bs
        };
        (format!("{} {op} {bs}", self.at(a, id, p)), p)
    }

    /// Juxtaposition; `\cdot` when the right factor starts with a digit (`2 \cdot 3`).
    fn product(&self, id: Id, a: Id, b: Id) -> Out {
        let a = self.at(a, id, Prec::Mul);
        let b = self.at(b, id, Prec::Script);
        let sep = if b.starts_with(|c: char| c.is_ascii_digit() || c == '.') {
            " \\cdot "
        } else {
            " "
        };
        (format!("{a}{sep}{b}"), Prec::Mul)
    }

    fn differential(&self, t: Id, parent: Id) -> String {
        match &self.expr[t] {
            Math::Unary(Op::D, [x]) => match &self.expr[*x] {
                Math::Sym(_) => format!("\\mathrm{{d}}{}", self.at(*x, t, Prec::Atom)),
                _ => format!("\\mathrm{{d}}\\left({}\\right)", self.at(*x, t, Prec::Add)),
            },
            _ => self.at(t, parent, Prec::Mul),
        }
    }

    fn print(&self, id: Id, parent: Option<Id>) -> Out {
        if let Some(p) = parent {
            if broadcast_operand(self.expr, self.shapes, p, id) {
                return match &self.expr[id] {
                    Math::Const(Const::Ones(..)) => ("1".to_string(), Prec::Atom),
                    Math::Const(Const::Zero(..)) => ("0".to_string(), Prec::Atom),
                    Math::Binary(Op::Mul, [s, _]) => self.print(*s, Some(id)),
                    _ => self.print(id, None),
                };
            }
        }
        match &self.expr[id] {
            Math::Num(n) if n.value() < 0.0 => (n.to_string(), Prec::Unary),
            Math::Num(n) => (n.to_string(), Prec::Atom),
            Math::Sym(s) => (name_of(s.as_str()), Prec::Atom),
            Math::Const(c) => (constant(*c), Prec::Atom),
            Math::Unary(op, [a]) => self.unary(id, *op, *a),
            Math::Binary(op, [a, b]) => self.binary(id, *op, *a, *b),
        }
    }

    fn unary(&self, id: Id, op: Op, a: Id) -> Out {
        match (op.info().latex, op) {
            (Latex::Call(f), _) => self.call(id, f, a),
            (Latex::Template(t), _) => (t.replace("{0}", &self.at(a, id, Prec::Add)), Prec::Atom),
            (_, Op::Neg) => (format!("-{}", self.at(a, id, Prec::Script)), Prec::Unary),
            (_, Op::Trans) => match &self.expr[a] {
                Math::Unary(Op::Inv, [x]) => (
                    format!("{}^{{-\\top}}", self.at(*x, a, Prec::Atom)),
                    Prec::Script,
                ),
                _ => (
                    format!("{}^\\top", self.at(a, id, Prec::Atom)),
                    Prec::Script,
                ),
            },
            (_, Op::Inv) => (
                format!("{}^{{-1}}", self.at(a, id, Prec::Atom)),
                Prec::Script,
            ),
            (_, Op::D) => (self.differential(id, id), Prec::Atom),
            _ => self.call(id, &format!("\\operatorname{{{}}}", op.name()), a),
        }
    }

    fn binary(&self, id: Id, op: Op, a: Id, b: Id) -> Out {
        if op == Op::HDiv && self.shapes[usize::from(b)].is_scalar() {
            let text = format!(
                "\\frac{{{}}}{{{}}}",
                self.at(a, id, Prec::Add),
                self.at(b, id, Prec::Add)
            );
            return (text, Prec::Atom);
        }
        match (op.info().latex, op) {
            (Latex::Infix(sym, p), _) => {
                let p = if op == Op::Kron {
                    Prec::Kron
                } else {
                    from_table(p)
                };
                self.infix(id, a, sym.trim(), b, p)
            }
            (Latex::Template(t), _) => (
                t.replace("{0}", &self.at(a, id, Prec::Add))
                    .replace("{1}", &self.at(b, id, Prec::Add)),
                Prec::Atom,
            ),
            (_, Op::Mul) => self.product(id, a, b),
            (_, Op::Pow) => (
                format!(
                    "{}^{{{}}}",
                    self.at(a, id, Prec::Atom),
                    self.at(b, id, Prec::Add)
                ),
                Prec::Script,
            ),
            (_, Op::HPow) => (
                format!(
                    "{}^{{\\circ {}}}",
                    self.at(a, id, Prec::Atom),
                    self.at(b, id, Prec::Add)
                ),
                Prec::Script,
            ),
            (_, Op::Unvec) => (
                format!(
                    "\\operatorname{{vec}}^{{-1}}_{{{}}}\\left({}\\right)",
                    dim(self.shapes[usize::from(b)].rows),
                    self.at(a, id, Prec::Add)
                ),
                Prec::Atom,
            ),
            (_, Op::Lin) => (
                format!(
                    "\\operatorname{{tr}}\\left({} {}\\right)",
                    self.at(a, id, Prec::Mul),
                    self.differential(b, id)
                ),
                Prec::Atom,
            ),
            (_, Op::JacV) => (
                format!(
                    "{} \\operatorname{{vec}}\\left({}\\right)",
                    self.at(a, id, Prec::Mul),
                    self.differential(b, id)
                ),
                Prec::Mul,
            ),
            _ => {
                let _ = self.scalar(a);
                (
                    format!(
                        "\\operatorname{{{}}}\\left({}, {}\\right)",
                        op.name(),
                        self.at(a, id, Prec::Add),
                        self.at(b, id, Prec::Add)
                    ),
                    Prec::Atom,
                )
            }
        }
    }
}

fn constant(c: Const) -> String {
    match c {
        Const::Eye(_) => "I".to_string(),
        Const::Ones(r, c) if c.is_one() => format!("\\mathbf{{1}}_{{{}}}", dim(r)),
        Const::Ones(r, c) => format!("\\mathbf{{1}}_{{{} \\times {}}}", dim(r), dim(c)),
        Const::Zero(..) => "0".to_string(),
        Const::Commutation(m, n) => format!("K_{{{},{}}}", dim(m), dim(n)),
    }
}

/// `m*n` as `m n` (juxtaposed in a subscript).
fn dim(d: Dim) -> String {
    d.as_str().replace('*', " ")
}

const GREEK: &[&str] = &[
    "alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta", "iota", "kappa",
    "lambda", "mu", "nu", "xi", "pi", "rho", "sigma", "tau", "phi", "chi", "psi", "omega", "Gamma",
    "Delta", "Theta", "Lambda", "Xi", "Pi", "Sigma", "Phi", "Psi", "Omega",
];

/// A variable's name: `W1` → `W_{1}`, `x_i` → `x_{i}`, `alpha` → `\alpha`,
/// other multi-letter names upright-italic as one symbol.
fn name_of(s: &str) -> String {
    let (base, sub) = match s.split_once('_') {
        Some((b, rest)) if !b.is_empty() && !rest.is_empty() => (b, rest.to_string()),
        _ => {
            let cut = s.trim_end_matches(|c: char| c.is_ascii_digit()).len();
            (&s[..cut.max(1)], s[cut.max(1)..].to_string())
        }
    };
    let base = if base.chars().count() == 1 {
        base.to_string()
    } else if GREEK.contains(&base) {
        format!("\\{base}")
    } else {
        format!("\\mathit{{{}}}", base.replace('_', "\\_"))
    };
    if sub.is_empty() {
        base
    } else {
        format!("{base}_{{{}}}", sub.replace('_', "\\_"))
    }
}
