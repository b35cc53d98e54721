//! Shapes for the variables of a rule, inferred from both of its sides and its
//! conditions, so that the rule can be evaluated on random matrices. The sides are
//! inferred with the operators' own shape rules (the table) and the one size solver
//! the type checker uses; free sizes get distinct values (2, 3, 4, …) so a swapped
//! dimension shows. `*` scales when a side is known to be 1×1 and multiplies matrices
//! otherwise.

use egg::{ENodeOrVar, Language, Var};
use indexmap::IndexMap;

use crate::lang::Math;
use crate::rules::condition::CondKind;
use crate::rules::template::{DimExpr, ShapedKind, TNode};
use crate::rules::Rule;
use crate::shape::infer::{Size, Solver};
use crate::shape::{Dim, Sh, Sizes as _};

/// Concrete sizes for each variable of a rule.
pub type Sizes = IndexMap<Var, (usize, usize)>;

type S = Sh<Size>;

struct Inference {
    solver: Solver<()>,
    vars: IndexMap<Var, S>,
    /// Sizes that must not be 1 (a vector's length).
    not_one: Vec<Size>,
    failed: bool,
    /// The shape of the matched term (the left-hand side's root).
    here: S,
}

impl Inference {
    fn var(&mut self, v: Var) -> S {
        if let Some(s) = self.vars.get(&v) {
            return s.clone();
        }
        let s = Sh::new(self.solver.fresh(), self.solver.fresh());
        self.vars.insert(v, s.clone());
        s
    }
    fn eq(&mut self, a: &Size, b: &Size) {
        self.failed |= !self.solver.unify(a, b);
    }
    fn eq_shape(&mut self, a: &S, b: &S) {
        self.eq(&a.rows, &b.rows);
        self.eq(&a.cols, &b.cols);
    }
    fn node(&mut self, n: &Math, kids: &[S]) -> S {
        match n {
            Math::Num(_) => Sh::new(Size::one(), Size::one()),
            Math::Const(c) => {
                let s = c.shape();
                Sh::new(Size::known(s.rows), Size::known(s.cols))
            }
            Math::Sym(_) => Sh::new(self.solver.fresh(), self.solver.fresh()),
            Math::Unary(op, _) | Math::Binary(op, _) => {
                match op.info().shape.apply(&mut self.solver, kids) {
                    Ok(s) => s,
                    Err(_) => {
                        self.failed = true;
                        Sh::new(self.solver.fresh(), self.solver.fresh())
                    }
                }
            }
        }
    }
    fn dim(&mut self, d: &DimExpr) -> Size {
        match d {
            DimExpr::Rows(v) => self.var(*v).rows,
            DimExpr::Cols(v) => self.var(*v).cols,
            DimExpr::Size(v) => {
                let s = self.var(*v);
                self.solver.mul(&s.rows, &s.cols)
            }
            DimExpr::Int(k) => Size::known(Dim::int(*k)),
            DimExpr::Mul(a, b) => {
                let (a, b) = (self.dim(a), self.dim(b));
                self.solver.mul(&a, &b)
            }
            DimExpr::SelfRows => self.here.rows.clone(),
            DimExpr::SelfCols => self.here.cols.clone(),
        }
    }
}

/// Every distinct assignment of sizes worth trying for a rule: the general one, and
/// one per variable forced to be a scalar (so that a rule written for matrices is
/// also tried where `*` scales), each kept only if the rule's shape conditions hold.
pub fn assignments(rule: &Rule) -> Result<Vec<Sizes>, String> {
    let general = infer(rule, None);
    let mut out: Vec<Sizes> = Vec::new();
    let vars: Vec<Var> = general
        .as_ref()
        .map(|s| s.keys().copied().collect())
        .unwrap_or_default();
    for sizes in std::iter::once(general.clone())
        .chain(vars.into_iter().map(|v| infer(rule, Some(v))))
        .flatten()
    {
        if conditions_hold(rule, &sizes) && !out.contains(&sizes) {
            out.push(sizes);
        }
    }
    if out.is_empty() {
        return Err(general
            .err()
            .unwrap_or_else(|| "no sizes satisfy the conditions".to_string()));
    }
    Ok(out)
}

/// Whether the shape conditions of a rule hold for these sizes.
fn conditions_hold(rule: &Rule, sizes: &Sizes) -> bool {
    use CondKind::*;
    rule.conditions.iter().all(|c| {
        let shape = |i: usize| c.vars.get(i).and_then(|v| sizes.get(v)).copied();
        let Some((r, k)) = shape(0) else { return true };
        match c.kind {
            Scalar | Number | Int | IntGe2 | NegInt | NonZeroNum | NegativeNum => r == 1 && k == 1,
            NotScalar => !(r == 1 && k == 1),
            Vector | Simplex => k == 1 && r != 1,
            Row => r == 1 && k != 1,
            Matrix => k != 1,
            Square | Symmetric | Eye => r == k,
            SameShape => shape(1) == Some((r, k)),
            DiffShape => shape(1) != Some((r, k)),
            _ => true,
        }
    })
}

/// Concrete shapes for a rule's variables (with `scalar`, if given, forced to 1×1),
/// or why none were found.
pub fn infer(rule: &Rule, scalar: Option<Var>) -> Result<Sizes, String> {
    let mut cx = Inference {
        solver: Solver::new(()),
        vars: IndexMap::new(),
        not_one: Vec::new(),
        failed: false,
        here: Sh::new(Size::one(), Size::one()),
    };
    let one = Size::one();
    if let Some(v) = scalar {
        let s = cx.var(v);
        cx.eq_shape(&s, &Sh::new(one.clone(), one.clone()));
    }
    // Conditions first: they decide which products are scalings.
    for c in &rule.conditions {
        let shapes: Vec<S> = c.vars.iter().map(|v| cx.var(*v)).collect();
        use CondKind::*;
        match c.kind {
            Scalar | Number | Int | IntGe2 | NegInt | NonZeroNum | NegativeNum => {
                cx.eq_shape(&shapes[0], &Sh::new(one.clone(), one.clone()))
            }
            Vector | Simplex => {
                cx.eq(&shapes[0].cols, &one);
                cx.not_one.push(shapes[0].rows.clone());
            }
            Row => {
                cx.eq(&shapes[0].rows, &one);
                cx.not_one.push(shapes[0].cols.clone());
            }
            Square | Symmetric | Eye => cx.eq(&shapes[0].rows, &shapes[0].cols),
            Ones => cx.eq(&shapes[0].cols, &one),
            SameShape => cx.eq_shape(&shapes[0], &shapes[1]),
            _ => {}
        }
    }
    // The left-hand side, then the right one; their roots have one shape.
    let mut lhs_shapes: Vec<S> = Vec::new();
    for node in rule.lhs.ast.as_ref() {
        let s = match node {
            ENodeOrVar::Var(v) => cx.var(*v),
            ENodeOrVar::ENode(n) => {
                let kids: Vec<S> = n
                    .children()
                    .iter()
                    .map(|c| lhs_shapes[usize::from(*c)].clone())
                    .collect();
                cx.node(n, &kids)
            }
        };
        lhs_shapes.push(s);
    }
    if let Some(root) = lhs_shapes.last() {
        cx.here = root.clone();
    }
    let mut rhs_shapes: Vec<S> = Vec::new();
    for node in &rule.rhs.nodes {
        let s = match node {
            TNode::Var(v) => cx.var(*v),
            TNode::Node(n) => {
                let kids: Vec<S> = n
                    .children()
                    .iter()
                    .map(|c| rhs_shapes[usize::from(*c)].clone())
                    .collect();
                cx.node(n, &kids)
            }
            TNode::Shaped(kind, dims) => {
                let d: Vec<Size> = dims.iter().map(|d| cx.dim(d)).collect();
                match kind {
                    ShapedKind::Eye => Sh::new(d[0].clone(), d[0].clone()),
                    ShapedKind::Ones | ShapedKind::Zeros => {
                        Sh::new(d[0].clone(), d.get(1).cloned().unwrap_or_else(Size::one))
                    }
                    ShapedKind::Commutation => {
                        let mn = cx.solver.mul(&d[0], &d[1]);
                        Sh::new(mn.clone(), mn)
                    }
                    ShapedKind::Number => Sh::new(Size::one(), Size::one()),
                }
            }
        };
        rhs_shapes.push(s);
    }
    if let (Some(a), Some(b)) = (lhs_shapes.last().cloned(), rhs_shapes.last().cloned()) {
        cx.eq_shape(&a, &b);
    }
    solve(cx)
}

fn solve(mut cx: Inference) -> Result<Sizes, String> {
    if cx.failed {
        return Err("the two sides cannot have one shape".to_string());
    }
    // Free sizes: distinct values, so that a swapped dimension shows.
    for (next, v) in (2..).zip(cx.solver.unbound()) {
        cx.solver.name(v, Dim::int(next));
    }
    let (failed, _) = cx.solver.settle();
    if !failed.is_empty() {
        return Err("the sizes of a Kronecker product or vec do not fit".to_string());
    }
    let value = |cx: &Inference, s: &Size| cx.solver.resolve(s).value().map(|v| v as usize);
    for s in &cx.not_one {
        if value(&cx, s) == Some(1) {
            return Err("a vector would have length 1".to_string());
        }
    }
    let mut out = IndexMap::new();
    for (v, s) in &cx.vars {
        match (value(&cx, &s.rows), value(&cx, &s.cols)) {
            (Some(r), Some(c)) => out.insert(*v, (r, c)),
            _ => return Err(format!("no size found for {v}")),
        };
    }
    Ok(out)
}
