//! Typed expressions as LaTeX, the way the tutorial typesets them: products by
//! juxtaposition, `^\top`, `\odot`, `X^{-1}`, and `\left( … \right)` only where needed.

use egg::{Id, RecExpr};

use crate::dim::Dim;
use crate::lang::{Math, ShapedConst};

/// Binding strength, loosest first. `\otimes` and then `\odot`/`\oslash` sit between
/// `+` and juxtaposition, so that `A \otimes B C` or `x \odot y z` need no convention.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Prec {
    Add,
    Kron,
    Had,
    Mul,
    Unary,
    /// A superscripted base (`x^{2}`, `X^\top`, `X^{-1}`): another superscript needs parentheses.
    Script,
    Atom,
}

/// The whole expression (its root is the last node); empty for an empty `RecExpr`.
pub fn to_latex(expr: &RecExpr<Math>) -> String {
    match expr.as_ref().len() {
        0 => String::new(),
        n => Printer { expr }.print(Id::from(n - 1)).0,
    }
}

struct Printer<'a> {
    expr: &'a RecExpr<Math>,
}

impl Printer<'_> {
    fn at(&self, id: Id, min: Prec) -> String {
        let (s, p) = self.print(id);
        if p < min {
            format!("\\left({s}\\right)")
        } else {
            s
        }
    }

    fn call(&self, f: &str, a: Id) -> (String, Prec) {
        (
            format!("{f}\\left({}\\right)", self.at(a, Prec::Add)),
            Prec::Atom,
        )
    }

    /// `a op b`; a negative right operand is parenthesized too (`a - \left(-b\right)`).
    fn infix(&self, a: Id, op: &str, b: Id, p: Prec, right: Prec) -> (String, Prec) {
        let (b, pb) = self.print(b);
        let b = if pb < right || pb == Prec::Unary {
            format!("\\left({b}\\right)")
        } else {
            b
        };
        (format!("{} {op} {b}", self.at(a, p)), p)
    }

    /// Juxtaposition; `\cdot` when the right factor starts with a digit (`2 \cdot 3`).
    /// A negated right factor is parenthesized, or it would read as a difference.
    fn product(&self, a: &str, b: Id) -> (String, Prec) {
        let b = self.at(b, Prec::Script);
        let sep = if b.starts_with(|c: char| c.is_ascii_digit() || c == '.') {
            " \\cdot "
        } else {
            " "
        };
        (format!("{a}{sep}{b}"), Prec::Mul)
    }

    fn differential(&self, x: Id) -> String {
        match &self.expr[x] {
            Math::Sym(_) => format!("\\mathrm{{d}}{}", self.at(x, Prec::Atom)),
            _ => format!("\\mathrm{{d}}\\left({}\\right)", self.at(x, Prec::Add)),
        }
    }

    fn print(&self, id: Id) -> (String, Prec) {
        use Math::*;
        match &self.expr[id] {
            Add([a, b]) => self.infix(*a, "+", *b, Prec::Add, Prec::Kron),
            Sub([a, b]) => self.infix(*a, "-", *b, Prec::Add, Prec::Kron),
            Kron([a, b]) => {
                let (a, b) = (self.at(*a, Prec::Unary), self.at(*b, Prec::Unary));
                (format!("{a} \\otimes {b}"), Prec::Kron)
            }
            Mul([a, b]) => self.product(&self.at(*a, Prec::Mul), *b),
            HMul([a, b]) => self.infix(*a, "\\odot", *b, Prec::Had, Prec::Mul),
            HDiv([a, b]) => self.infix(*a, "\\oslash", *b, Prec::Had, Prec::Mul),
            Neg(a) => (format!("-{}", self.at(*a, Prec::Script)), Prec::Unary),
            Pow([a, b]) => (
                format!("{}^{{{}}}", self.at(*a, Prec::Atom), self.at(*b, Prec::Add)),
                Prec::Script,
            ),
            Trans(a) => match &self.expr[*a] {
                Inv(x) => (
                    format!("{}^{{-\\top}}", self.at(*x, Prec::Atom)),
                    Prec::Script,
                ),
                _ => (format!("{}^\\top", self.at(*a, Prec::Atom)), Prec::Script),
            },
            Inv(a) => (format!("{}^{{-1}}", self.at(*a, Prec::Atom)), Prec::Script),
            Num(n) if n.value() < 0.0 => (n.to_string(), Prec::Unary),
            Num(n) => (n.to_string(), Prec::Atom),
            Sym(s) => (name(s.as_str()), Prec::Atom),
            Const(c) => (constant(*c), Prec::Atom),
            Tr(a) => self.call("\\operatorname{tr}", *a),
            Det(a) => self.call("\\det", *a),
            LogDet(a) => self.call("\\log\\det", *a),
            Adj(a) => self.call("\\operatorname{adj}", *a),
            Diag(a) | DiagV(a) => self.call("\\operatorname{diag}", *a),
            Vec(a) => self.call("\\operatorname{vec}", *a),
            Sum(a) => self.call("\\operatorname{sum}", *a),
            Norm2(a) => (
                format!("\\left\\| {} \\right\\|_2", self.at(*a, Prec::Add)),
                Prec::Atom,
            ),
            Exp(a) => self.call("\\exp", *a),
            Log(a) => self.call("\\log", *a),
            Sin(a) => self.call("\\sin", *a),
            Cos(a) => self.call("\\cos", *a),
            Tanh(a) => self.call("\\tanh", *a),
            Sigmoid(a) => self.call("\\sigma", *a),
            Sqrt(a) => (format!("\\sqrt{{{}}}", self.at(*a, Prec::Add)), Prec::Atom),
            D(x) => (self.differential(*x), Prec::Atom),
            Lin([c, x]) => {
                let (c, d) = (self.at(*c, Prec::Mul), self.differential(*x));
                (
                    format!("\\operatorname{{tr}}\\left({c} {d}\\right)"),
                    Prec::Atom,
                )
            }
            Jac([j, x]) => {
                let j = self.at(*j, Prec::Mul);
                (format!("{j} {}", self.differential(*x)), Prec::Mul)
            }
            JacVec([j, x]) => {
                let j = self.at(*j, Prec::Mul);
                let d = self.differential(*x);
                (
                    format!("{j} \\operatorname{{vec}}\\left({d}\\right)"),
                    Prec::Mul,
                )
            }
        }
    }
}

fn constant(c: ShapedConst) -> String {
    match c {
        ShapedConst::Eye(_) => "I".to_string(),
        ShapedConst::Ones(n) => format!("\\mathbf{{1}}_{{{}}}", dim(n)),
        ShapedConst::Zero(..) => "0".to_string(),
        ShapedConst::Commutation(m, n) => format!("K_{{{},{}}}", dim(m), dim(n)),
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
fn name(s: &str) -> String {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::input::read_expr;

    fn latex(src: &str) -> String {
        let decls = "A: matrix(n,n); B: matrix(n,n); X: matrix(n,n); x: vector(n); \
                     y: vector(n); W1: matrix(n,n); s: scalar; alpha: scalar";
        let (typed, _) = read_expr(src, decls).expect("test input is valid");
        to_latex(&typed.expr)
    }

    #[test]
    fn typesets_like_the_tutorial() {
        let cases = [
            ("2*x'", "2 x^\\top"),
            ("x'*(A+A')", "x^\\top \\left(A + A^\\top\\right)"),
            ("tr(A*X*B)", "\\operatorname{tr}\\left(A X B\\right)"),
            ("inv(X)'", "X^{-\\top}"),
            ("inv(A*X)", "\\left(A X\\right)^{-1}"),
            ("x .* y", "x \\odot y"),
            ("x ./ y", "x \\oslash y"),
            ("kron(x + y, A)", "\\left(x + y\\right) \\otimes A"),
            ("kron(x, y)*x'", "\\left(x \\otimes y\\right) x^\\top"),
            ("(x .* y)*s", "\\left(x \\odot y\\right) s"),
            ("x .* (y ./ x)", "x \\odot \\left(y \\oslash x\\right)"),
            ("logdet(X)", "\\log\\det\\left(X\\right)"),
            ("norm2(x)^2", "\\left\\| x \\right\\|_2^{2}"),
            (
                "sigmoid(x) .* ones(n)",
                "\\sigma\\left(x\\right) \\odot \\mathbf{1}_{n}",
            ),
            ("sqrt(s)", "\\sqrt{s}"),
            ("(A')^2*s", "\\left(A^\\top\\right)^{2} s"),
            ("s*2", "s \\cdot 2"),
            ("A*-B", "A \\left(-B\\right)"),
            ("-A*B", "-A B"),
            (
                "A - -B + x*y' .* -A",
                "A - \\left(-B\\right) + x y^\\top \\odot \\left(-A\\right)",
            ),
            ("W1*alpha", "W_{1} \\alpha"),
            (
                "diag(X) - diag(x)*y",
                "\\operatorname{diag}\\left(X\\right) - \\operatorname{diag}\\left(x\\right) y",
            ),
        ];
        for (src, want) in cases {
            assert_eq!(latex(src), want, "typesetting {src}");
        }
    }

    #[test]
    fn differentials() {
        let mut e = RecExpr::default();
        let c = e.add(Math::Sym("C".into()));
        let x = e.add(Math::Sym("X".into()));
        e.add(Math::Lin([c, x]));
        assert_eq!(
            to_latex(&e),
            "\\operatorname{tr}\\left(C \\mathrm{d}X\\right)"
        );
        let mut e = RecExpr::default();
        let x = e.add(Math::Sym("X".into()));
        e.add(Math::D(x));
        assert_eq!(to_latex(&e), "\\mathrm{d}X");
    }
}
