//! Typed expressions printed back in the language of SPEC §1, with the fewest
//! parentheses that make the parser read the same `RecExpr` back (parse ∘ print = id).

use egg::{Id, RecExpr};

use super::prec::Prec;
use crate::env::Env;
use crate::lang::{Math, ShapedConst};

/// The whole expression (its root is the last node); empty for an empty `RecExpr`.
pub fn to_text(expr: &RecExpr<Math>) -> String {
    match expr.as_ref().len() {
        0 => String::new(),
        n => node_text(expr, Id::from(n - 1)),
    }
}

/// The subexpression rooted at `id`, which must be a node of `expr`.
pub fn node_text(expr: &RecExpr<Math>, id: Id) -> String {
    Printer {
        expr,
        sized_eye: false,
    }
    .print(id)
    .0
}

/// The expression as text that reads again under `env`'s names. An identity is
/// written bare, `I`, as other tools write it, where context or the derivative's own
/// shape tells its size; inside a `kron` or `vec`, where nothing does, every identity
/// is written with its size, `I(n)`. So is any identity when the bare text would not
/// read at all.
pub fn to_text_in(expr: &RecExpr<Math>, env: &Env) -> String {
    let bare = to_text(expr);
    let reads = crate::read_expr(&bare, &env.decls_text()).is_ok();
    if expr.as_ref().is_empty() || (reads && !eye_inside_kron(expr)) {
        return bare;
    }
    Printer {
        expr,
        sized_eye: true,
    }
    .print(Id::from(expr.as_ref().len() - 1))
    .0
}

/// Whether an identity stands somewhere inside an argument of `kron` or `vec`.
fn eye_inside_kron(expr: &RecExpr<Math>) -> bool {
    let nodes = expr.as_ref();
    let mut inside = vec![false; nodes.len()];
    for i in (0..nodes.len()).rev() {
        let here = inside[i] || matches!(nodes[i], Math::Kron(_) | Math::Vec(_));
        if inside[i] && matches!(nodes[i], Math::Const(ShapedConst::Eye(_))) {
            return true;
        }
        for c in egg::Language::children(&nodes[i]) {
            inside[usize::from(*c)] |= here;
        }
    }
    false
}

struct Printer<'a> {
    expr: &'a RecExpr<Math>,
    /// Print `I(n)` rather than `I`.
    sized_eye: bool,
}

impl Printer<'_> {
    /// The child at `id`, in parentheses if it binds looser than `min`.
    fn at(&self, id: Id, min: Prec) -> String {
        let (s, p) = self.print(id);
        if p < min {
            format!("({s})")
        } else {
            s
        }
    }

    fn call(&self, f: &str, args: &[Id]) -> (String, Prec) {
        let args: Vec<String> = args.iter().map(|a| self.at(*a, Prec::Add)).collect();
        (format!("{f}({})", args.join(", ")), Prec::Atom)
    }

    /// `dX` for a variable, `d(…)` otherwise.
    fn differential(&self, x: Id) -> String {
        match &self.expr[x] {
            Math::Sym(s) => format!("d{s}"),
            _ => format!("d({})", self.at(x, Prec::Add)),
        }
    }

    /// An infix operator at `p`: left-associative, so the right operand must bind tighter.
    fn infix(&self, a: Id, op: &str, b: Id, p: Prec, right: Prec) -> (String, Prec) {
        (format!("{}{op}{}", self.at(a, p), self.at(b, right)), p)
    }

    fn print(&self, id: Id) -> (String, Prec) {
        use Math::*;
        match &self.expr[id] {
            Add([a, b]) => self.infix(*a, " + ", *b, Prec::Add, Prec::Mul),
            Sub([a, b]) => self.infix(*a, " - ", *b, Prec::Add, Prec::Mul),
            Mul([a, b]) => self.infix(*a, "*", *b, Prec::Mul, Prec::Unary),
            HMul([a, b]) => self.infix(*a, " .* ", *b, Prec::Mul, Prec::Unary),
            HDiv([a, b]) => self.infix(*a, " ./ ", *b, Prec::Mul, Prec::Unary),
            // The base of `^` is read at the postfix level; the exponent at the unary one.
            Pow([a, b]) => (
                format!(
                    "{}^{}",
                    self.at(*a, Prec::Postfix),
                    self.at(*b, Prec::Unary)
                ),
                Prec::Pow,
            ),
            Neg(a) => (format!("-{}", self.at(*a, Prec::Unary)), Prec::Unary),
            Trans(a) => (format!("{}'", self.at(*a, Prec::Postfix)), Prec::Postfix),
            Num(n) if n.value() < 0.0 => (n.to_string(), Prec::Unary),
            Num(n) => (n.to_string(), Prec::Atom),
            Sym(s) => (s.to_string(), Prec::Atom),
            Const(c) => (constant(*c, self.sized_eye), Prec::Atom),
            Tr(a) => self.call("tr", &[*a]),
            Det(a) => self.call("det", &[*a]),
            LogDet(a) => self.call("logdet", &[*a]),
            Inv(a) => self.call("inv", &[*a]),
            Adj(a) => self.call("adj", &[*a]),
            Kron([a, b]) => self.call("kron", &[*a, *b]),
            Diag(a) | DiagV(a) => self.call("diag", &[*a]),
            Vec(a) => self.call("vec", &[*a]),
            Sum(a) => self.call("sum", &[*a]),
            Norm2(a) => self.call("norm2", &[*a]),
            Exp(a) => self.call("exp", &[*a]),
            Log(a) => self.call("log", &[*a]),
            Sin(a) => self.call("sin", &[*a]),
            Cos(a) => self.call("cos", &[*a]),
            Tanh(a) => self.call("tanh", &[*a]),
            Sigmoid(a) => self.call("sigmoid", &[*a]),
            Sqrt(a) => self.call("sqrt", &[*a]),
            // Canonical forms, for step-by-step output only: not input syntax.
            D(x) => (self.differential(*x), Prec::Atom),
            Lin([c, x]) => {
                let c = self.at(*c, Prec::Mul);
                (format!("tr({c}*{})", self.differential(*x)), Prec::Atom)
            }
            Jac([j, x]) => {
                let j = self.at(*j, Prec::Mul);
                (format!("{j}*{}", self.differential(*x)), Prec::Mul)
            }
            JacVec([j, x]) => {
                let j = self.at(*j, Prec::Mul);
                (format!("{j}*vec({})", self.differential(*x)), Prec::Mul)
            }
        }
    }
}

/// Shaped constants as a user writes them; their sizes are inferred again on reading.
fn constant(c: ShapedConst, sized_eye: bool) -> String {
    match c {
        ShapedConst::Eye(n) if sized_eye => format!("I({n})"),
        ShapedConst::Eye(_) => "I".to_string(),
        ShapedConst::Ones(n) => format!("ones({n})"),
        ShapedConst::Zero(..) => "0".to_string(),
        ShapedConst::Commutation(m, n) => format!("K({m},{n})"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::input::read_expr;

    /// Reads `src`, prints it, and checks that the print reads back to the same nodes.
    fn printed(src: &str, decls: &str) -> String {
        let (typed, _) = read_expr(src, decls).expect("test input is valid");
        let out = to_text(&typed.expr);
        let (again, _) = read_expr(&out, decls).expect("printed text is valid");
        assert_eq!(again.expr, typed.expr, "{src} printed as {out}");
        out
    }

    const D: &str = "A: matrix(n,n); B: matrix(n,n); C: matrix(n,n); x: vector(n); \
                     y: vector(n); s: scalar; t: scalar";

    #[test]
    fn minimal_parentheses() {
        let cases = [
            ("x'*(A+A')", "x'*(A + A')"),
            ("(A*B)*C", "A*B*C"),
            ("A*(B*C)", "A*(B*C)"),
            ("(A+B)-(C-A)", "A + B - (C - A)"),
            ("-(A*B)", "-(A*B)"),
            ("(-A)*B", "-A*B"),
            ("A*(-B)", "A*-B"),
            ("s^(t^2)", "s^t^2"),
            ("(s^t)^2", "(s^t)^2"),
            ("(-s)^2", "(-s)^2"),
            ("-(s^2)", "-s^2"),
            ("(-2)^2", "(-2)^2"),
            ("s^(-1)", "s^-1"),
            ("(A*B)'", "(A*B)'"),
            ("(x .* y)'", "(x .* y)'"),
            ("x ./ (y .* x)", "x ./ (y .* x)"),
            ("A^-1", "inv(A)"),
            ("A^-2", "inv(A^2)"),
            ("(A')'", "A''"),
            ("-2*x", "-2*x"),
            ("s - -2", "s - -2"),
            ("2.5*s", "2.5*s"),
            ("kron(x, y)'", "kron(x, y)'"),
            ("diag(A) + diag(diag(x))", "diag(A) + diag(diag(x))"),
            ("0 + A", "0 + A"),
            ("I*x + ones(n)", "I*x + ones(n)"),
            ("norm2(x)^(-1)*x'", "norm2(x)^-1*x'"),
            ("vec(A) + ones(n*n)", "vec(A) + ones(n*n)"),
            ("ones(2*n)'*kron(ones(2), x)", "ones(2*n)'*kron(ones(2), x)"),
        ];
        for (src, want) in cases {
            assert_eq!(printed(src, D), want, "printing {src}");
        }
    }

    #[test]
    fn canonical_forms_print_as_the_tutorial_writes_them() {
        let mut e = RecExpr::default();
        let c = e.add(Math::Sym("C".into()));
        let x = e.add(Math::Sym("X".into()));
        let lin = e.add(Math::Lin([c, x]));
        assert_eq!(node_text(&e, lin), "tr(C*dX)");
        let jac = e.add(Math::JacVec([c, x]));
        assert_eq!(node_text(&e, jac), "C*vec(dX)");
        let sum = e.add(Math::Add([c, x]));
        let d = e.add(Math::D(sum));
        assert_eq!(to_text(&e), "d(C + X)");
        assert_eq!(node_text(&e, d), "d(C + X)");
    }

    #[test]
    fn empty_expression_prints_empty() {
        assert_eq!(to_text(&RecExpr::default()), "");
    }
}
