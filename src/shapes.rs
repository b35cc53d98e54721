//! Shapes of every node of a finished expression, from `lang::node_shape`.

use egg::RecExpr;

use crate::dim::Shape;
use crate::env::Env;
use crate::lang::{node_shape, Math, ShapeFault};

/// The shape of each node of `expr`, indexed like its nodes.
pub fn shapes_of(expr: &RecExpr<Math>, env: &Env) -> Result<Vec<Shape>, ShapeFault> {
    let mut out: Vec<Shape> = Vec::with_capacity(expr.as_ref().len());
    for node in expr.as_ref() {
        let s = node_shape(node, |id| out[usize::from(id)], |v| env.shape(v))?;
        out.push(s);
    }
    Ok(out)
}
