//! Shapes for the variables of a rule, inferred from both of its sides and its
//! conditions, so that the rule can be evaluated on random matrices. Sizes are
//! unified like the type checker's; free sizes get distinct values (2, 3, 4, …) so a
//! swapped dimension shows. `*` scales when a side is known to be 1×1 and multiplies
//! matrices otherwise.

use egg::{ENodeOrVar, Id, Language, Var};
use indexmap::IndexMap;

use super::template::{Meta, TNode};
use super::Rule;
use crate::lang::Math;

/// A size during inference.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Size {
    Var(usize),
    Known(usize),
}

#[derive(Default)]
struct Solver {
    parent: Vec<usize>,
    value: Vec<Option<usize>>,
    /// `p = a * b` (Kronecker and vec sizes), checked once everything is known.
    products: Vec<(Size, Size, Size)>,
    /// Sizes that must not be 1 (a vector's length).
    not_one: Vec<Size>,
    failed: bool,
}

type Sh = (Size, Size);

impl Solver {
    fn fresh(&mut self) -> Size {
        self.parent.push(self.parent.len());
        self.value.push(None);
        Size::Var(self.parent.len() - 1)
    }
    fn find(&mut self, v: usize) -> usize {
        let mut r = v;
        while self.parent[r] != r {
            r = self.parent[r];
        }
        self.parent[v] = r;
        r
    }
    fn get(&mut self, s: Size) -> Option<usize> {
        match s {
            Size::Known(k) => Some(k),
            Size::Var(v) => {
                let r = self.find(v);
                self.value[r]
            }
        }
    }
    fn eq(&mut self, a: Size, b: Size) {
        match (a, b) {
            (Size::Known(x), Size::Known(y)) => self.failed |= x != y,
            (Size::Var(v), Size::Known(k)) | (Size::Known(k), Size::Var(v)) => {
                let r = self.find(v);
                match self.value[r] {
                    Some(x) => self.failed |= x != k,
                    None => self.value[r] = Some(k),
                }
            }
            (Size::Var(x), Size::Var(y)) => {
                let (rx, ry) = (self.find(x), self.find(y));
                if rx != ry {
                    match (self.value[rx], self.value[ry]) {
                        (Some(p), Some(q)) => self.failed |= p != q,
                        (None, v) | (v, None) => {
                            self.parent[ry] = rx;
                            self.value[rx] = v.or(self.value[rx]);
                        }
                    }
                }
            }
        }
    }
    fn eq_shape(&mut self, a: Sh, b: Sh) {
        self.eq(a.0, b.0);
        self.eq(a.1, b.1);
    }
    fn is_scalar(&mut self, s: Sh) -> bool {
        self.get(s.0) == Some(1) && self.get(s.1) == Some(1)
    }
}

/// Concrete sizes for each variable of a rule.
pub type Sizes = IndexMap<Var, (usize, usize)>;

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
    rule.conditions.iter().all(|c| {
        let shape = |i: usize| c.vars.get(i).and_then(|v| sizes.get(v)).copied();
        let Some((r, k)) = shape(0) else { return true };
        match c.name.as_str() {
            "scalar" | "number" | "int-ge2" | "nonzero-num" => r == 1 && k == 1,
            "not-scalar" => !(r == 1 && k == 1),
            "vector" => k == 1 && r != 1,
            "row" => r == 1 && k != 1,
            "matrix" => k != 1,
            "square" | "symmetric" | "eye" => r == k,
            "same-shape" => shape(1) == Some((r, k)),
            _ => true,
        }
    })
}

/// Concrete shapes for a rule's variables (with `scalar`, if given, forced to 1×1),
/// or why none were found.
pub fn infer(rule: &Rule, scalar: Option<Var>) -> Result<Sizes, String> {
    let mut sv = Solver::default();
    let mut vars: IndexMap<Var, Sh> = IndexMap::new();
    let mut var_shape = |sv: &mut Solver, v: Var| -> Sh {
        *vars.entry(v).or_insert_with(|| (sv.fresh(), sv.fresh()))
    };
    if let Some(v) = scalar {
        let s = var_shape(&mut sv, v);
        sv.eq_shape(s, (Size::Known(1), Size::Known(1)));
    }
    // Conditions first: they decide which products are scalings.
    for c in &rule.conditions {
        let shapes: Vec<Sh> = c.vars.iter().map(|v| var_shape(&mut sv, *v)).collect();
        let one = Size::Known(1);
        match c.name.as_str() {
            "scalar" | "number" | "int-ge2" | "nonzero-num" => sv.eq_shape(shapes[0], (one, one)),
            "vector" => {
                sv.eq(shapes[0].1, one);
                sv.not_one.push(shapes[0].0);
            }
            "row" => {
                sv.eq(shapes[0].0, one);
                sv.not_one.push(shapes[0].1);
            }
            "square" | "symmetric" | "eye" => sv.eq(shapes[0].0, shapes[0].1),
            "ones" => sv.eq(shapes[0].1, one),
            "same-shape" => sv.eq_shape(shapes[0], shapes[1]),
            _ => {}
        }
    }
    // The left-hand side, then the right one; their roots have one shape.
    let lhs = rule.lhs.ast.as_ref();
    let mut lhs_shapes: Vec<Sh> = Vec::with_capacity(lhs.len());
    for node in lhs {
        let s = match node {
            ENodeOrVar::Var(v) => var_shape(&mut sv, *v),
            ENodeOrVar::ENode(n) => node_shape(&mut sv, n, &lhs_shapes),
        };
        lhs_shapes.push(s);
    }
    let mut rhs_shapes: Vec<Sh> = Vec::with_capacity(rule.rhs.nodes.len());
    for node in &rule.rhs.nodes {
        let s = match node {
            TNode::Var(v) => var_shape(&mut sv, *v),
            TNode::Node(n) => node_shape(&mut sv, n, &rhs_shapes),
            TNode::Meta(m, v) => {
                let (r, c) = var_shape(&mut sv, *v);
                let one = Size::Known(1);
                match m {
                    Meta::ZeroLike | Meta::OnesLike => (r, c),
                    Meta::OnesRows => (r, one),
                    Meta::OnesCols => (c, one),
                    Meta::EyeRows => (r, r),
                    Meta::EyeCols => (c, c),
                    Meta::EyeVec => {
                        let p = sv.fresh();
                        sv.products.push((p, r, c));
                        (p, p)
                    }
                    Meta::CommutationOf => {
                        let p = sv.fresh();
                        sv.products.push((p, r, c));
                        (p, p)
                    }
                }
            }
        };
        rhs_shapes.push(s);
    }
    if let (Some(a), Some(b)) = (lhs_shapes.last(), rhs_shapes.last()) {
        sv.eq_shape(*a, *b);
    }
    solve(&mut sv, &vars)
}

fn solve(
    sv: &mut Solver,
    vars: &IndexMap<Var, Sh>,
) -> Result<IndexMap<Var, (usize, usize)>, String> {
    if sv.failed {
        return Err("the two sides cannot have one shape".to_string());
    }
    // Free sizes: distinct values, so that a swapped dimension shows.
    let mut next = 2;
    for v in 0..sv.parent.len() {
        let r = sv.find(v);
        if sv.value[r].is_none() && !sv.products.iter().any(|(p, _, _)| *p == Size::Var(v)) {
            sv.value[r] = Some(next);
            next += 1;
        }
    }
    for _ in 0..sv.products.len() + 1 {
        for (p, a, b) in sv.products.clone() {
            if let (Some(x), Some(y)) = (sv.get(a), sv.get(b)) {
                sv.eq(p, Size::Known(x * y));
            }
        }
    }
    for s in sv.not_one.clone() {
        if sv.get(s) == Some(1) {
            return Err("a vector would have length 1".to_string());
        }
    }
    if sv.failed {
        return Err("the sizes of a Kronecker product or vec do not fit".to_string());
    }
    let mut out = IndexMap::new();
    for (v, (r, c)) in vars {
        match (sv.get(*r), sv.get(*c)) {
            (Some(r), Some(c)) => out.insert(*v, (r, c)),
            _ => return Err(format!("no size found for {v}")),
        };
    }
    Ok(out)
}

fn node_shape(sv: &mut Solver, node: &Math, at: &[Sh]) -> Sh {
    use Math::*;
    let one = Size::Known(1);
    let scalar = (one, one);
    let ch = |i: Id| at[usize::from(i)];
    match node {
        Num(_) => scalar,
        Const(c) => {
            // Constants in rules are generic only through metas; literal ones are rare.
            let s = c.shape();
            let size = |d: crate::dim::Dim| d.as_str().parse::<usize>().ok();
            match (size(s.rows), size(s.cols)) {
                (Some(r), Some(c)) => (Size::Known(r), Size::Known(c)),
                _ => (sv.fresh(), sv.fresh()),
            }
        }
        Sym(_) => (sv.fresh(), sv.fresh()),
        Add([a, b]) | Sub([a, b]) => {
            sv.eq_shape(ch(*a), ch(*b));
            ch(*a)
        }
        HMul([a, b]) | HDiv([a, b]) => {
            let (x, y) = (ch(*a), ch(*b));
            if sv.is_scalar(y) {
                x
            } else if sv.is_scalar(x) {
                y
            } else {
                sv.eq_shape(x, y);
                x
            }
        }
        Mul([a, b]) | Jac([a, b]) => {
            let (x, y) = (ch(*a), ch(*b));
            if sv.is_scalar(x) {
                y
            } else if sv.is_scalar(y) {
                x
            } else {
                sv.eq(x.1, y.0);
                (x.0, y.1)
            }
        }
        Lin([c, x]) => {
            let (c, x) = (ch(*c), ch(*x));
            sv.eq(c.0, x.1);
            sv.eq(c.1, x.0);
            scalar
        }
        JacVec([j, x]) => {
            let (j, x) = (ch(*j), ch(*x));
            sv.products.push((j.1, x.0, x.1));
            (j.0, one)
        }
        Pow([a, b]) => {
            sv.eq_shape(ch(*b), scalar);
            let a = ch(*a);
            sv.eq(a.0, a.1);
            a
        }
        Trans(a) => (ch(*a).1, ch(*a).0),
        Tr(a) | Det(a) | LogDet(a) => {
            let a = ch(*a);
            sv.eq(a.0, a.1);
            scalar
        }
        Inv(a) | Adj(a) => {
            let a = ch(*a);
            sv.eq(a.0, a.1);
            a
        }
        Kron([a, b]) => {
            let (x, y) = (ch(*a), ch(*b));
            let (r, c) = (sv.fresh(), sv.fresh());
            sv.products.push((r, x.0, y.0));
            sv.products.push((c, x.1, y.1));
            (r, c)
        }
        Diag(a) => {
            let a = ch(*a);
            sv.eq(a.1, one);
            (a.0, a.0)
        }
        DiagV(a) => {
            let a = ch(*a);
            sv.eq(a.0, a.1);
            (a.0, one)
        }
        Vec(a) => {
            let a = ch(*a);
            let p = sv.fresh();
            sv.products.push((p, a.0, a.1));
            (p, one)
        }
        Sum(_) | Norm2(_) => scalar,
        other => {
            // Same shape as the only child: negation, d, elementwise functions.
            let kids = other.children();
            kids.first().map(|k| ch(*k)).unwrap_or(scalar)
        }
    }
}
