//! Typed expressions as Python over `np` and the input names (SPEC §3): vectors are
//! `(n,1)` arrays and declared scalars Python floats, so every 1×1 node may be a float
//! and gets no array method (`.T`, `.reshape`) and no `np.linalg` call.

use egg::{Id, RecExpr};
use indexmap::IndexMap;

use super::prec::Prec;
use crate::dim::{dim_mul, Dim, Shape};
use crate::env::Env;
use crate::lang::{Math, ShapeFault, ShapedConst};
use crate::shapes::shapes_of;

/// Names that cannot be Python variables next to `np`.
const RESERVED: &[&str] = &[
    "np", "and", "as", "assert", "async", "await", "break", "class", "continue", "def", "del",
    "elif", "else", "except", "finally", "for", "from", "global", "if", "import", "in", "is",
    "lambda", "nonlocal", "not", "or", "pass", "raise", "return", "try", "while", "with", "yield",
    "None", "True", "False",
];

/// A Python expression evaluating `expr`, sizes read off the inputs' shapes.
/// Errors for what has no NumPy form (differentials, a size no input has).
pub fn to_numpy(expr: &RecExpr<Math>, env: &Env) -> Result<String, String> {
    let n = expr.as_ref().len();
    if n == 0 {
        return Err("an empty expression has no NumPy form".to_string());
    }
    let shapes = shapes_of(expr, env).map_err(|f| match f {
        ShapeFault::Mismatch(m) => format!("shapes do not fit: {m}"),
        ShapeFault::UnknownName(s) => format!("`{s}` has no known shape"),
    })?;
    let p = Printer {
        expr,
        shapes,
        sizes: env.dim_sources(),
    };
    Ok(p.print(Id::from(n - 1))?.0)
}

struct Printer<'a> {
    expr: &'a RecExpr<Math>,
    shapes: Vec<Shape>,
    sizes: IndexMap<String, (egg::Symbol, usize)>,
}

type Out = Result<(String, Prec), String>;

impl Printer<'_> {
    fn at(&self, id: Id, min: Prec) -> Result<String, String> {
        let (s, p) = self.print(id)?;
        Ok(if p < min { format!("({s})") } else { s })
    }

    fn scalar(&self, id: Id) -> bool {
        self.shapes[usize::from(id)].is_scalar()
    }

    fn call(&self, f: &str, a: Id) -> Out {
        Ok((format!("{f}({})", self.at(a, Prec::Add)?), Prec::Atom))
    }

    fn infix(&self, a: Id, op: &str, b: Id, p: Prec, right: Prec) -> Out {
        Ok((format!("{}{op}{}", self.at(a, p)?, self.at(b, right)?), p))
    }

    /// A size as Python: `x.shape[0]`, `(A.shape[0]*B.shape[1])`, or an integer.
    fn size(&self, d: Dim) -> Result<String, String> {
        if let Some((v, axis)) = self.sizes.get(d.as_str()) {
            return Ok(format!("{v}.shape[{axis}]"));
        }
        let factors = d.factors();
        let parts = factors
            .iter()
            .map(|f| match self.sizes.get(*f) {
                Some((v, axis)) => Ok(format!("{v}.shape[{axis}]")),
                None if f.parse::<u64>().is_ok() => Ok(f.to_string()),
                None => Err(format!("no input has the size `{f}`")),
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(match parts.len() {
            0 => "1".to_string(),
            1 => parts.join(""),
            _ => format!("({})", parts.join("*")),
        })
    }

    fn constant(&self, c: ShapedConst) -> Result<String, String> {
        Ok(match c {
            ShapedConst::Eye(n) => format!("np.eye({})", self.size(n)?),
            ShapedConst::Ones(n) => format!("np.ones(({},1))", self.size(n)?),
            ShapedConst::Zero(r, c) => format!("np.zeros(({},{}))", self.size(r)?, self.size(c)?),
            // Row j + i*n of K holds its 1 in column i + j*m (K vec(X) = vec(X') for X m×n).
            ShapedConst::Commutation(m, n) => {
                let (mn, m, n) = (self.size(dim_mul(m, n))?, self.size(m)?, self.size(n)?);
                format!("np.eye({mn})[np.arange({mn}).reshape({n},{m}).T.ravel()]")
            }
        })
    }

    fn print(&self, id: Id) -> Out {
        use Math::*;
        let node = &self.expr[id];
        // On a 1×1 operand these are the identity: skip them, a float has no methods.
        if let Trans(a) | Tr(a) | Det(a) | DiagV(a) | Vec(a) = node {
            if self.scalar(*a) {
                return self.print(*a);
            }
        }
        match node {
            Add([a, b]) => self.infix(*a, " + ", *b, Prec::Add, Prec::Mul),
            Sub([a, b]) => self.infix(*a, " - ", *b, Prec::Add, Prec::Mul),
            Mul([a, b]) if self.scalar(*a) || self.scalar(*b) => {
                self.infix(*a, "*", *b, Prec::Mul, Prec::Unary)
            }
            Mul([a, b]) => self.infix(*a, "@", *b, Prec::Mul, Prec::Unary),
            HMul([a, b]) => self.infix(*a, "*", *b, Prec::Mul, Prec::Unary),
            HDiv([a, b]) => self.infix(*a, "/", *b, Prec::Mul, Prec::Unary),
            Pow([a, b]) if self.scalar(*a) => Ok((
                format!(
                    "{}**{}",
                    self.at(*a, Prec::Postfix)?,
                    self.at(*b, Prec::Unary)?
                ),
                Prec::Pow,
            )),
            Pow([a, b]) => match &self.expr[*b] {
                Num(k) if k.is_integer() => Ok((
                    format!("np.linalg.matrix_power({}, {k})", self.at(*a, Prec::Add)?),
                    Prec::Atom,
                )),
                _ => Err("a matrix power needs a whole-number exponent".to_string()),
            },
            Neg(a) => Ok((format!("-{}", self.at(*a, Prec::Unary)?), Prec::Unary)),
            Trans(a) => Ok((format!("{}.T", self.at(*a, Prec::Postfix)?), Prec::Postfix)),
            Num(n) if n.value() < 0.0 => Ok((n.to_string(), Prec::Unary)),
            Num(n) => Ok((n.to_string(), Prec::Atom)),
            Sym(s) if RESERVED.contains(&s.as_str()) => {
                Err(format!("`{s}` cannot be a Python variable"))
            }
            Sym(s) => Ok((s.to_string(), Prec::Atom)),
            Const(c) => Ok((self.constant(*c)?, Prec::Postfix)),
            Tr(a) => self.call("np.trace", *a),
            Det(a) => self.call("np.linalg.det", *a),
            LogDet(a) if self.scalar(*a) => self.call("np.log", *a),
            LogDet(a) => Ok((
                format!("np.linalg.slogdet({})[1]", self.at(*a, Prec::Add)?),
                Prec::Postfix,
            )),
            Inv(a) if self.scalar(*a) => {
                Ok((format!("1/{}", self.at(*a, Prec::Unary)?), Prec::Mul))
            }
            Inv(a) => self.call("np.linalg.inv", *a),
            // adj of a 1×1 matrix is 1; otherwise det·inv (the inputs are invertible).
            Adj(a) if self.scalar(*a) => Ok(("1".to_string(), Prec::Atom)),
            Adj(a) => {
                let x = self.at(*a, Prec::Add)?;
                Ok((
                    format!("(np.linalg.det({x})*np.linalg.inv({x}))"),
                    Prec::Atom,
                ))
            }
            Kron([a, b]) => Ok((
                format!(
                    "np.kron({}, {})",
                    self.at(*a, Prec::Add)?,
                    self.at(*b, Prec::Add)?
                ),
                Prec::Atom,
            )),
            Diag(a) => self.call("np.diagflat", *a),
            DiagV(a) => Ok((
                format!("np.diag({}).reshape(-1,1)", self.at(*a, Prec::Add)?),
                Prec::Postfix,
            )),
            Vec(a) => Ok((
                format!("{}.reshape(-1,1,order='F')", self.at(*a, Prec::Postfix)?),
                Prec::Postfix,
            )),
            Sum(a) => self.call("np.sum", *a),
            Norm2(a) if self.scalar(*a) => self.call("np.abs", *a),
            Norm2(a) => self.call("np.linalg.norm", *a),
            Exp(a) => self.call("np.exp", *a),
            Log(a) => self.call("np.log", *a),
            Sin(a) => self.call("np.sin", *a),
            Cos(a) => self.call("np.cos", *a),
            Tanh(a) => self.call("np.tanh", *a),
            Sqrt(a) => self.call("np.sqrt", *a),
            Sigmoid(a) => Ok((
                format!("(1/(1+np.exp(-({}))))", self.at(*a, Prec::Add)?),
                Prec::Atom,
            )),
            D(_) | Lin(_) | Jac(_) | JacVec(_) => {
                Err("a differential has no NumPy form".to_string())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::input::read_expr;

    fn numpy(src: &str) -> Result<String, String> {
        let decls = "A: matrix(m,n); B: matrix(n,p); X: matrix(n,n); x: vector(n); \
                     y: vector(m); s: scalar; t: scalar";
        let (typed, env) = read_expr(src, decls).expect("test input is valid");
        to_numpy(&typed.expr, &env)
    }

    #[test]
    fn products_and_transposes_follow_shapes() {
        let cases = [
            ("x'*X*x", "x.T@X@x"),
            ("s*A*B", "s*A@B"),
            ("(x'*x)*X", "x.T@x*X"),
            ("(x'*x)'", "x.T@x"),
            ("(A*B)'", "(A@B).T"),
            ("s'*t", "s*t"),
            ("-s^2", "-s**2"),
            ("(-s)^t", "(-s)**t"),
            ("s^-1", "s**-1"),
            (
                "X^3 - X^-1",
                "np.linalg.matrix_power(X, 3) - np.linalg.inv(X)",
            ),
            ("x .* x ./ (x + x)", "x*x/(x + x)"),
            (
                "logdet(X) + det(X) + tr(X)",
                "np.linalg.slogdet(X)[1] + np.linalg.det(X) + np.trace(X)",
            ),
            ("adj(X)", "(np.linalg.det(X)*np.linalg.inv(X))"),
            ("inv(s)*x", "1/s*x"),
            ("sigmoid(x)", "(1/(1+np.exp(-(x))))"),
        ];
        for (src, want) in cases {
            assert_eq!(numpy(src).as_deref(), Ok(want), "numpy of {src}");
        }
    }

    #[test]
    fn sizes_come_from_the_inputs() {
        let cases = [
            (
                "I*x + ones(n)",
                "np.eye(A.shape[1])@x + np.ones((A.shape[1],1))",
            ),
            (
                "vec(A) + kron(y, x)",
                "A.reshape(-1,1,order='F') + np.kron(y, x)",
            ),
            (
                "diag(X) .* diag(diag(x))",
                "np.diag(X).reshape(-1,1)*np.diag(np.diagflat(x)).reshape(-1,1)",
            ),
            ("diag(x)*x", "np.diagflat(x)@x"),
            ("0 + A*B", "np.zeros((A.shape[0],B.shape[1])) + A@B"),
            ("norm2(A) + norm2(s)", "np.linalg.norm(A) + np.abs(s)"),
        ];
        for (src, want) in cases {
            assert_eq!(numpy(src).as_deref(), Ok(want), "numpy of {src}");
        }
    }

    #[test]
    fn product_sizes_and_commutation() {
        let mut e = RecExpr::default();
        let k = ShapedConst::Commutation(Dim::new("m"), Dim::new("n"));
        e.add(Math::Const(k));
        let (_, env) = read_expr("A", "A: matrix(m,n)").expect("valid");
        let mn = "(A.shape[0]*A.shape[1])";
        let want =
            format!("np.eye({mn})[np.arange({mn}).reshape(A.shape[1],A.shape[0]).T.ravel()]");
        assert_eq!(to_numpy(&e, &env), Ok(want));
    }

    #[test]
    fn differentials_and_unknown_sizes_are_errors() {
        let (_, env) = read_expr("A", "A: matrix(m,n)").expect("valid");
        let mut e = RecExpr::default();
        let a = e.add(Math::Sym("A".into()));
        e.add(Math::D(a));
        assert!(to_numpy(&e, &env).is_err());
        let mut e = RecExpr::default();
        e.add(Math::Const(ShapedConst::Eye(Dim::new("q"))));
        assert!(to_numpy(&e, &env).is_err());
        assert!(to_numpy(&RecExpr::default(), &env).is_err());
    }
}
