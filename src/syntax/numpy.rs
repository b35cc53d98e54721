//! Typed expressions as Python over `np` and the input names (SPEC §3): vectors are
//! `(n,1)` arrays and declared scalars Python floats, so every 1×1 node may be a float
//! and gets no array method (`.T`, `.reshape`) and no `np.linalg` call. Sizes are read
//! off the inputs' shapes. Operators are spelled as the table says; products, powers,
//! transposes and sizes are written here.

use egg::{Id, RecExpr, Symbol};
use indexmap::IndexMap;

use super::share::{unfold, Names};
use super::sizing::broadcast_operand;
use crate::env::Env;
use crate::lang::prec::Prec;
use crate::lang::{shapes_of, Const, Math, Numpy, Op, ShapeFault};
use crate::shape::{dim_mul, Dim, Shape};

/// Names that cannot be Python variables next to `np`.
const RESERVED: &[&str] = &[
    "np", "and", "as", "assert", "async", "await", "break", "class", "continue", "def", "del",
    "elif", "else", "except", "finally", "for", "from", "global", "if", "import", "in", "is",
    "lambda", "nonlocal", "not", "or", "pass", "raise", "return", "try", "while", "with", "yield",
    "None", "True", "False",
];

/// A Python expression evaluating `expr`; large repeated subterms are computed once
/// (`[… for h1 in [H1]][0]`) when `share` is set. Errors for what has no NumPy form
/// (differentials, a size no input has).
pub fn to_numpy(expr: &RecExpr<Math>, env: &Env, share: bool) -> Result<String, String> {
    to_numpy_named(expr, env, share, &Names::default())
}

/// `to_numpy`, naming subterms as `names` did for the expressions shown with it.
pub fn to_numpy_named(
    expr: &RecExpr<Math>,
    env: &Env,
    share: bool,
    names: &Names,
) -> Result<String, String> {
    if expr.as_ref().is_empty() {
        return Err("an empty expression has no NumPy form".to_string());
    }
    let u = unfold(expr, env, share, names);
    let mut scope = env.clone();
    let sizes = env.dim_sources();
    let mut defs = Vec::new();
    let trees: Vec<(Option<Symbol>, &RecExpr<Math>)> = u
        .bindings
        .iter()
        .map(|(n, e)| (Some(*n), e))
        .chain(std::iter::once((None, &u.body)))
        .collect();
    let mut body = String::new();
    for (name, e) in trees {
        let shapes = shapes_of(e, |v| scope.shape(v)).map_err(|f| match f {
            ShapeFault::Mismatch(m) => format!("shapes do not fit: {m}"),
            ShapeFault::UnknownName(s) => format!("`{s}` has no known shape"),
        })?;
        let p = Printer {
            expr: e,
            shapes: &shapes,
            sizes: &sizes,
        };
        let text = p.print(Id::from(e.as_ref().len() - 1), None)?.0;
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
                defs.push(format!("for {n} in [{text}]"));
            }
            None => body = text,
        }
    }
    if defs.is_empty() {
        Ok(body)
    } else {
        Ok(format!("[{body} {}][0]", defs.join(" ")))
    }
}

struct Printer<'a> {
    expr: &'a RecExpr<Math>,
    shapes: &'a [Shape],
    sizes: &'a IndexMap<String, (Symbol, usize)>,
}

type Out = Result<(String, Prec), String>;

impl Printer<'_> {
    fn at(&self, id: Id, parent: Id, min: Prec) -> Result<String, String> {
        let (s, p) = self.print(id, Some(parent))?;
        Ok(if p < min { format!("({s})") } else { s })
    }

    fn scalar(&self, id: Id) -> bool {
        self.shapes[usize::from(id)].is_scalar()
    }

    fn infix(&self, id: Id, a: Id, op: &str, b: Id, p: Prec) -> Out {
        let right = match p {
            Prec::Add => Prec::Mul,
            _ => Prec::Unary,
        };
        Ok((
            format!("{}{op}{}", self.at(a, id, p)?, self.at(b, id, right)?),
            p,
        ))
    }

    /// A size as Python: `x.shape[0]`, `(A.shape[0]*B.shape[1])`, or an integer.
    fn size(&self, d: Dim) -> Result<String, String> {
        if let Some((v, axis)) = self.sizes.get(d.as_str()) {
            return Ok(format!("{v}.shape[{axis}]"));
        }
        let parts = d
            .factors()
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

    fn constant(&self, c: Const) -> Result<String, String> {
        Ok(match c {
            Const::Eye(n) => format!("np.eye({})", self.size(n)?),
            Const::Ones(r, c) => format!("np.ones(({}, {}))", self.size(r)?, self.size(c)?),
            Const::Zero(r, c) => format!("np.zeros(({}, {}))", self.size(r)?, self.size(c)?),
            // Row j + i*n of K holds its 1 in column i + j*m (K vec(X) = vec(X') for X m×n).
            Const::Commutation(m, n) => {
                let (mn, m, n) = (self.size(dim_mul(m, n))?, self.size(m)?, self.size(n)?);
                format!("np.eye({mn})[np.arange({mn}).reshape({n}, {m}).T.ravel()]")
            }
        })
    }

    fn print(&self, id: Id, parent: Option<Id>) -> Out {
        if let Some(p) = parent {
            if broadcast_operand(self.expr, self.shapes, p, id) {
                // NumPy broadcasts a scalar over an array by itself.
                return match &self.expr[id] {
                    Math::Const(Const::Ones(..)) => Ok(("1".to_string(), Prec::Atom)),
                    Math::Const(Const::Zero(..)) => Ok(("0".to_string(), Prec::Atom)),
                    Math::Binary(Op::Mul, [s, _]) => self.print(*s, Some(id)),
                    _ => self.print(id, None),
                };
            }
        }
        match &self.expr[id] {
            Math::Num(n) if n.value() < 0.0 => Ok((n.to_string(), Prec::Unary)),
            Math::Num(n) => Ok((n.to_string(), Prec::Atom)),
            Math::Sym(s) if RESERVED.contains(&s.as_str()) => {
                Err(format!("`{s}` cannot be a Python variable"))
            }
            Math::Sym(s) => Ok((s.to_string(), Prec::Atom)),
            Math::Const(c) => Ok((self.constant(*c)?, Prec::Atom)),
            Math::Unary(op, [a]) => self.unary(id, *op, *a),
            Math::Binary(op, [a, b]) => self.binary(id, *op, *a, *b),
        }
    }

    fn unary(&self, id: Id, op: Op, a: Id) -> Out {
        // On a 1×1 operand these are the identity: skip them, a float has no methods.
        if matches!(
            op,
            Op::Trans | Op::Tr | Op::Det | Op::DiagV | Op::Vec | Op::Diag
        ) && self.scalar(a)
        {
            return self.print(a, Some(id));
        }
        if self.scalar(a) {
            match op {
                Op::LogDet => {
                    return Ok((
                        format!("np.log({})", self.at(a, id, Prec::Add)?),
                        Prec::Atom,
                    ))
                }
                Op::Inv => return Ok((format!("1/{}", self.at(a, id, Prec::Unary)?), Prec::Mul)),
                Op::Adj => return Ok(("1".to_string(), Prec::Atom)),
                Op::Norm2 | Op::Norm1 => {
                    return Ok((
                        format!("np.abs({})", self.at(a, id, Prec::Add)?),
                        Prec::Atom,
                    ))
                }
                _ => {}
            }
        }
        match (op.info().numpy, op) {
            (Numpy::Call(f), _) => Ok((format!("{f}({})", self.at(a, id, Prec::Add)?), Prec::Atom)),
            (Numpy::Template(t), _) => {
                let arg = self.at(a, id, Prec::Atom)?;
                Ok((t.replace("{0}", &arg), Prec::Atom))
            }
            (_, Op::Neg) => Ok((format!("-{}", self.at(a, id, Prec::Unary)?), Prec::Unary)),
            (_, Op::Trans) => Ok((
                format!("{}.T", self.at(a, id, Prec::Postfix)?),
                Prec::Postfix,
            )),
            _ => Err(format!("`{}` has no NumPy form", op.name())),
        }
    }

    fn binary(&self, id: Id, op: Op, a: Id, b: Id) -> Out {
        match (op.info().numpy, op) {
            (_, Op::Mul) if self.scalar(a) || self.scalar(b) => {
                self.infix(id, a, "*", b, Prec::Mul)
            }
            (_, Op::Mul) => self.infix(id, a, "@", b, Prec::Mul),
            (_, Op::Pow) if self.scalar(a) => Ok((
                format!(
                    "{}**{}",
                    self.at(a, id, Prec::Postfix)?,
                    self.at(b, id, Prec::Unary)?
                ),
                Prec::Pow,
            )),
            (_, Op::Pow) => match &self.expr[b] {
                Math::Num(k) if k.is_integer() => Ok((
                    format!(
                        "np.linalg.matrix_power({}, {k})",
                        self.at(a, id, Prec::Add)?
                    ),
                    Prec::Atom,
                )),
                _ => Err("a matrix power needs a whole-number exponent".to_string()),
            },
            (Numpy::Infix(sym, p), _) => {
                if p == Prec::Pow {
                    Ok((
                        format!(
                            "{}{sym}{}",
                            self.at(a, id, Prec::Postfix)?,
                            self.at(b, id, Prec::Unary)?
                        ),
                        Prec::Pow,
                    ))
                } else {
                    self.infix(id, a, sym, b, p)
                }
            }
            (Numpy::Template(t), _) => Ok((
                t.replace("{0}", &self.at(a, id, Prec::Add)?)
                    .replace("{1}", &self.at(b, id, Prec::Add)?),
                Prec::Atom,
            )),
            (_, Op::Unvec) => {
                let rows = self.size(self.shapes[usize::from(b)].rows)?;
                Ok((
                    format!(
                        "{}.reshape(({rows}, -1), order='F')",
                        self.at(a, id, Prec::Postfix)?
                    ),
                    Prec::Postfix,
                ))
            }
            _ => Err(format!("`{}` has no NumPy form", op.name())),
        }
    }
}
