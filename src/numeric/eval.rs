//! Evaluation of every node of `lang::Math` at a point, including the differential
//! nodes, whose values are directional derivatives along the point's tangents.

use egg::{Id, Language, RecExpr};

use super::ops;
use super::point::{checked_entries, dim_size, Point};
use super::{EvalError, Mat};
use crate::lang::{Math, ShapedConst};

/// How deeply `d` may nest: every level doubles the work.
const MAX_D_DEPTH: usize = 6;

/// The value of the whole expression (its last node).
pub fn eval(expr: &RecExpr<Math>, point: &Point) -> Result<Mat, EvalError> {
    match expr.as_ref().len() {
        0 => Err(EvalError::Malformed("empty expression".into())),
        n => eval_node(expr, Id::from(n - 1), point),
    }
}

/// The value of the subexpression rooted at `id`.
pub fn eval_node(expr: &RecExpr<Math>, id: Id, point: &Point) -> Result<Mat, EvalError> {
    Evaluator::new(expr, point, 0).value(id)
}

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
        Math::D(_) => vec![],
        Math::Lin([c, _]) | Math::Jac([c, _]) | Math::JacVec([c, _]) => vec![*c],
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
        let map = |id: &Id, f: fn(f64) -> f64| v(id).map(|a| a.map(f));
        use Math::*;
        match node {
            Add([a, b]) => ops::add(v(a)?, v(b)?, 1.0),
            Sub([a, b]) => ops::add(v(a)?, v(b)?, -1.0),
            Neg(a) => Ok(-v(a)?.clone()),
            Mul([a, b]) => ops::mul(v(a)?, v(b)?),
            HMul([a, b]) => ops::hadamard(v(a)?, v(b)?, ".*", |x, y| x * y),
            HDiv([a, b]) => ops::hadamard(v(a)?, v(b)?, "./", |x, y| x / y),
            Pow([a, b]) => ops::pow(v(a)?, v(b)?),
            Trans(a) => Ok(v(a)?.transpose()),
            Tr(a) => ops::trace(v(a)?).map(scalar),
            Det(a) => ops::det(v(a)?).map(scalar),
            LogDet(a) => ops::logdet(v(a)?).map(scalar),
            Inv(a) => ops::inv(v(a)?),
            Adj(a) => ops::adj(v(a)?),
            Kron([a, b]) => ops::kron(v(a)?, v(b)?),
            Diag(a) => ops::diag(v(a)?),
            DiagV(a) => ops::diagv(v(a)?),
            Vec(a) => Ok(ops::vec(v(a)?)),
            Sum(a) => Ok(scalar(v(a)?.sum())),
            Norm2(a) => Ok(scalar(v(a)?.norm())),
            Exp(a) => map(a, f64::exp),
            Log(a) => map(a, f64::ln),
            Sin(a) => map(a, f64::sin),
            Cos(a) => map(a, f64::cos),
            Tanh(a) => map(a, f64::tanh),
            Sigmoid(a) => map(a, ops::sigmoid),
            Sqrt(a) => map(a, f64::sqrt),
            D(a) => self.differential(*a),
            Lin([c, x]) => {
                let (c, dx) = (v(c)?, self.differential(*x)?);
                if c.shape() != (dx.ncols(), dx.nrows()) {
                    return Err(EvalError::Shape(format!(
                        "lin of {}×{} and d{}×{}",
                        c.nrows(),
                        c.ncols(),
                        dx.nrows(),
                        dx.ncols()
                    )));
                }
                Ok(scalar((c * dx).trace()))
            }
            Jac([j, x]) => ops::mul(v(j)?, &self.differential(*x)?),
            JacVec([j, x]) => {
                let (j, dx) = (v(j)?, ops::vec(&self.differential(*x)?));
                if j.ncols() != dx.nrows() {
                    return Err(EvalError::Shape(format!(
                        "jacv of {}×{} and vec(dX) of length {}",
                        j.nrows(),
                        j.ncols(),
                        dx.nrows()
                    )));
                }
                Ok(j * dx)
            }
            Num(n) => Ok(scalar(n.value())),
            Const(c) => self.constant(*c),
            Sym(s) => self
                .point
                .values
                .get(s)
                .cloned()
                .ok_or(EvalError::UnknownName(*s)),
        }
    }

    fn constant(&self, c: ShapedConst) -> Result<Mat, EvalError> {
        let size = |d| dim_size(d, self.point);
        match c {
            ShapedConst::Eye(n) => {
                let n = size(n)?;
                checked_entries(n, n, "an identity")?;
                Ok(Mat::identity(n, n))
            }
            ShapedConst::Ones(n) => Ok(Mat::from_element(size(n)?, 1, 1.0)),
            ShapedConst::Zero(r, c) => {
                let (r, c) = (size(r)?, size(c)?);
                checked_entries(r, c, "a zero")?;
                Ok(Mat::zeros(r, c))
            }
            ShapedConst::Commutation(m, n) => ops::commutation(size(m)?, size(n)?),
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
        Ok(ops::add(&fp, &fm, -1.0)? / (2.0 * h))
    }
}
