//! Evaluation of every node of `lang::Math` at a point, including the differential
//! nodes, whose values are directional derivatives along the point's tangents.

use egg::{Id, Language, RecExpr};

use super::point::{dim_size, Point};
use crate::lang::{Const, Kernel, Math, Op};
use crate::linalg::{checked_entries, kernels, EvalError, Mat};

/// How deeply `d` may nest: every level doubles the work.
const MAX_D_DEPTH: usize = 6;

/// The value of the whole expression (its last node).
pub fn eval(expr: &RecExpr<Math>, point: &Point) -> Result<Mat, EvalError> {
    match expr.as_ref().len() {
        0 => Err(EvalError::Malformed("empty expression".into())),
        n => Evaluator::new(expr, point, 0).value(Id::from(n - 1)),
    }
}

#[cfg(test)]
/// The directional derivative of the subexpression rooted at `id` when every variable
/// with a tangent moves along it (the others are constants), by central differences.
pub fn directional(expr: &RecExpr<Math>, id: Id, point: &Point) -> Result<Mat, EvalError> {
    Evaluator::new(expr, point, 0).differential(id)
}

struct Evaluator<'a> {
    expr: &'a RecExpr<Math>,
    point: &'a Point,
    depth: usize,
}

/// The children whose values a node needs; a differential's argument needs only its
/// differential, which is computed at shifted points instead.
fn value_children(node: &Math) -> Vec<Id> {
    match node {
        Math::Unary(Op::D, _) => vec![],
        n => n.children().to_vec(),
    }
}

fn scalar(v: f64) -> Mat {
    Mat::from_element(1, 1, v)
}

impl<'a> Evaluator<'a> {
    fn new(expr: &'a RecExpr<Math>, point: &'a Point, depth: usize) -> Self {
        Evaluator { expr, point, depth }
    }

    fn value(&self, root: Id) -> Result<Mat, EvalError> {
        let nodes = self.expr.as_ref();
        let root = usize::from(root);
        if root >= nodes.len() {
            return Err(EvalError::Malformed(format!("no node {root}")));
        }
        let mut needed = vec![false; root + 1];
        needed[root] = true;
        for i in (0..=root).rev() {
            if !needed[i] {
                continue;
            }
            // A RecExpr lists children before parents; anything else would loop.
            if nodes[i].children().iter().any(|c| usize::from(*c) >= i) {
                return Err(EvalError::Malformed(format!("node {i} has a later child")));
            }
            for c in value_children(&nodes[i]) {
                needed[usize::from(c)] = true;
            }
        }
        let mut vals: Vec<Option<Mat>> = vec![None; root + 1];
        for i in 0..=root {
            if needed[i] {
                let v = self.node(&nodes[i], &vals)?;
                if v.iter().any(|x| !x.is_finite()) {
                    return Err(EvalError::NonFinite(format!("at `{}`", nodes[i])));
                }
                vals[i] = Some(v);
            }
        }
        vals[root]
            .take()
            .ok_or_else(|| EvalError::Malformed("root not evaluated".into()))
    }

    fn node(&self, node: &Math, vals: &[Option<Mat>]) -> Result<Mat, EvalError> {
        let v = |id: &Id| {
            vals.get(usize::from(*id))
                .and_then(Option::as_ref)
                .ok_or_else(|| EvalError::Malformed(format!("child {id} has no value")))
        };
        match node {
            Math::Num(n) => Ok(scalar(n.value())),
            Math::Const(c) => self.constant(*c),
            Math::Sym(s) => self
                .point
                .values
                .get(s)
                .cloned()
                .ok_or(EvalError::UnknownName(*s)),
            Math::Unary(Op::D, [a]) => self.differential(*a),
            Math::Binary(Op::Lin, [c, t]) => {
                let (c, t) = (v(c)?, v(t)?);
                if c.shape() != (t.ncols(), t.nrows()) {
                    return Err(EvalError::Shape(format!(
                        "lin of {}×{} and {}×{}",
                        c.nrows(),
                        c.ncols(),
                        t.nrows(),
                        t.ncols()
                    )));
                }
                Ok(scalar((c * t).trace()))
            }
            Math::Binary(Op::JacV, [j, t]) => {
                let (j, t) = (v(j)?, kernels::vec(v(t)?));
                if j.ncols() != t.nrows() {
                    return Err(EvalError::Shape(format!(
                        "jacv of {}×{} and vec of length {}",
                        j.nrows(),
                        j.ncols(),
                        t.nrows()
                    )));
                }
                Ok(j * t)
            }
            Math::Binary(Op::Unvec, [a, carrier]) => kernels::unvec(v(a)?, v(carrier)?.nrows()),
            Math::Unary(op, [a]) => match op.info().kernel {
                Kernel::Map(f) => Ok(v(a)?.map(f)),
                Kernel::Unary(f) => f(v(a)?),
                _ => Err(EvalError::Malformed(format!(
                    "`{}` has no evaluation",
                    op.name()
                ))),
            },
            Math::Binary(op, [a, b]) => match op.info().kernel {
                Kernel::Binary(f) => f(v(a)?, v(b)?),
                _ => Err(EvalError::Malformed(format!(
                    "`{}` has no evaluation",
                    op.name()
                ))),
            },
        }
    }

    fn constant(&self, c: Const) -> Result<Mat, EvalError> {
        let size = |d| dim_size(d, self.point);
        match c {
            Const::Eye(n) => {
                let n = size(n)?;
                checked_entries(n, n, "an identity")?;
                Ok(Mat::identity(n, n))
            }
            Const::Ones(r, c) => {
                let (r, c) = (size(r)?, size(c)?);
                checked_entries(r, c, "ones")?;
                Ok(Mat::from_element(r, c, 1.0))
            }
            Const::Zero(r, c) => {
                let (r, c) = (size(r)?, size(c)?);
                checked_entries(r, c, "a zero")?;
                Ok(Mat::zeros(r, c))
            }
            Const::Commutation(m, n) => kernels::commutation(size(m)?, size(n)?),
        }
    }

    /// Central difference along the tangents, with a step scaled to the values so that
    /// truncation (h²) and rounding (ε/h) errors are both about 1e-10.
    fn differential(&self, id: Id) -> Result<Mat, EvalError> {
        if self.depth >= MAX_D_DEPTH {
            return Err(EvalError::Domain("differentials nested too deeply".into()));
        }
        let p = self.point;
        let moving = p.values.iter().filter(|(k, _)| p.tangents.contains_key(*k));
        let xmax = moving.map(|(_, v)| v.amax()).fold(1.0, f64::max);
        let tmax = p.tangents.values().map(|t| t.amax()).fold(0.0, f64::max);
        if tmax == 0.0 {
            // Nothing moves: the differential is zero, of the subexpression's shape.
            let v = self.value(id)?;
            return Ok(Mat::zeros(v.nrows(), v.ncols()));
        }
        let h = 1e-5 * xmax / tmax;
        let (plus, minus) = (p.shifted(h), p.shifted(-h));
        let fp = Evaluator::new(self.expr, &plus, self.depth + 1).value(id)?;
        let fm = Evaluator::new(self.expr, &minus, self.depth + 1).value(id)?;
        Ok(kernels::add(&fp, &fm, -1.0)? / (2.0 * h))
    }
}
