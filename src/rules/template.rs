//! The right-hand side of a rule and the applier that instantiates it. Before adding
//! anything it computes the shape of every node it would build and refuses an
//! ill-shaped result (DESIGN lesson 2): a rule can never merge classes of different
//! shapes. Shaped constants on a right-hand side take their sizes from matched classes
//! (`(eye (cols ?x))`, `(zeros (rows ?a) (cols ?a))`), which a pattern cannot express.

use egg::{Applier, ENodeOrVar, Id, Language, PatternAst, RecExpr, Subst, Symbol, Var};

use super::condition::Condition;
use crate::analysis::{MathAnalysis, MathGraph};
use crate::lang::{node_shape, Const, Math, Op};
use crate::shape::{dim_mul, Dim, Shape};

/// A size on a right-hand side, read off matched classes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DimExpr {
    Rows(Var),
    Cols(Var),
    /// rows·cols.
    Size(Var),
    Int(u64),
    Mul(Box<DimExpr>, Box<DimExpr>),
    /// The rows or columns of the matched term itself (`(rows self)`), for what the
    /// operands' sizes cannot give (the columns of an unvec).
    SelfRows,
    SelfCols,
}

impl DimExpr {
    /// The size, given the shapes of the matched classes and of the matched term.
    pub fn eval(
        &self,
        shape_of: &impl Fn(Var) -> Option<Shape>,
        here: Option<Shape>,
    ) -> Option<Dim> {
        Some(match self {
            DimExpr::Rows(v) => shape_of(*v)?.rows,
            DimExpr::Cols(v) => shape_of(*v)?.cols,
            DimExpr::Size(v) => shape_of(*v)?.size(),
            DimExpr::Int(k) => Dim::int(*k),
            DimExpr::Mul(a, b) => dim_mul(a.eval(shape_of, here)?, b.eval(shape_of, here)?),
            DimExpr::SelfRows => here?.rows,
            DimExpr::SelfCols => here?.cols,
        })
    }
    fn vars(&self, out: &mut Vec<Var>) {
        match self {
            DimExpr::Rows(v) | DimExpr::Cols(v) | DimExpr::Size(v) => out.push(*v),
            DimExpr::Int(_) | DimExpr::SelfRows | DimExpr::SelfCols => {}
            DimExpr::Mul(a, b) => {
                a.vars(out);
                b.vars(out);
            }
        }
    }
}

/// Which shaped constant a right-hand side builds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ShapedKind {
    /// `(eye n)`.
    Eye,
    /// `(ones r)` or `(ones r c)`.
    Ones,
    /// `(zeros r c)`.
    Zeros,
    /// `(K m n)`, with K vec(A) = vec(A') for A m×n.
    Commutation,
    /// `(dim n)`: the size as a number (only for whole-number sizes; a symbolic size
    /// has no number, and the rule does not fire).
    Number,
}

impl ShapedKind {
    pub const ALL: &'static [(&'static str, ShapedKind)] = &[
        ("eye", ShapedKind::Eye),
        ("ones", ShapedKind::Ones),
        ("zeros", ShapedKind::Zeros),
        ("K", ShapedKind::Commutation),
        ("dim", ShapedKind::Number),
    ];

    /// The node for sizes `dims`, with the 1×1 cases written as the numbers they are
    /// (`I:1` is 1) and the commutation matrix of a vector as the identity it is.
    pub fn build(self, dims: &[Dim]) -> Option<Math> {
        let one = Dim::one();
        let d = |i: usize| dims.get(i).copied();
        let num = |v: f64| Some(Math::num(v));
        match self {
            ShapedKind::Eye => {
                let n = d(0)?;
                if n.is_one() {
                    num(1.0)
                } else {
                    Some(Math::Const(Const::Eye(n)))
                }
            }
            ShapedKind::Ones => {
                let (r, c) = (d(0)?, d(1).unwrap_or(one));
                if r.is_one() && c.is_one() {
                    num(1.0)
                } else {
                    Some(Math::Const(Const::Ones(r, c)))
                }
            }
            ShapedKind::Zeros => Some(Math::zero(Shape::new(d(0)?, d(1).unwrap_or(one)))),
            ShapedKind::Number => d(0)?.value().map(|v| Math::num(v as f64)),
            ShapedKind::Commutation => {
                let (m, n) = (d(0)?, d(1)?);
                if m.is_one() || n.is_one() {
                    ShapedKind::Eye.build(&[dim_mul(m, n)])
                } else {
                    Some(Math::Const(Const::Commutation(m, n)))
                }
            }
        }
    }
}

/// One node of a right-hand side.
#[derive(Debug, Clone, PartialEq)]
pub enum TNode {
    /// A node of the language whose children are earlier template nodes.
    Node(Math),
    Var(Var),
    Shaped(ShapedKind, Vec<DimExpr>),
}

/// A right-hand side: nodes in children-first order, the last one the root.
#[derive(Debug, Clone, PartialEq)]
pub struct Template {
    pub nodes: Vec<TNode>,
}

impl Template {
    pub fn vars(&self) -> Vec<Var> {
        let mut out = Vec::new();
        for n in &self.nodes {
            match n {
                TNode::Var(v) => out.push(*v),
                TNode::Shaped(_, dims) => dims.iter().for_each(|d| d.vars(&mut out)),
                TNode::Node(_) => {}
            }
        }
        out.dedup();
        out
    }

    pub fn root(&self) -> Id {
        Id::from(self.nodes.len().saturating_sub(1))
    }

    /// The concrete pattern for one match, or `None` if what it builds is ill-shaped
    /// or its shape differs from `target`.
    fn instantiate(
        &self,
        egraph: &MathGraph,
        subst: &Subst,
        target: Shape,
    ) -> Option<PatternAst<Math>> {
        let mut out: Vec<ENodeOrVar<Math>> = Vec::with_capacity(self.nodes.len());
        let mut shapes: Vec<Shape> = Vec::with_capacity(self.nodes.len());
        let env = &egraph.analysis.env;
        let shape_of = |v: Var| subst.get(v).map(|id| egraph[*id].data.shape);
        for node in &self.nodes {
            let (n, s) = match node {
                TNode::Var(v) => (ENodeOrVar::Var(*v), shape_of(*v)?),
                TNode::Shaped(kind, dims) => {
                    let dims: Option<Vec<Dim>> = dims
                        .iter()
                        .map(|d| d.eval(&shape_of, Some(target)))
                        .collect();
                    let m = kind.build(&dims?)?;
                    let s = node_shape(&m, |_| Shape::scalar(), |n| env.shape(n)).ok()?;
                    (ENodeOrVar::ENode(m), s)
                }
                TNode::Node(m) => {
                    let s = node_shape(m, |c| shapes[usize::from(c)], |n| env.shape(n)).ok()?;
                    (ENodeOrVar::ENode(m.clone()), s)
                }
            };
            out.push(n);
            shapes.push(s);
        }
        if shapes.last() != Some(&target) {
            return None;
        }
        Some(RecExpr::from(out))
    }

    /// Adds the right-hand side for `vars` straight into the graph (for the directed
    /// passes, which do not saturate). `d_of` gives the class of `(d c)` for a class `c`
    /// — the differential already computed — or `None` to refuse. `None` if anything is
    /// ill-shaped or refused.
    pub fn add_with(
        &self,
        egraph: &mut MathGraph,
        vars: &impl Fn(Var) -> Option<Id>,
        d_of: &mut impl FnMut(&mut MathGraph, Id) -> Option<Id>,
    ) -> Option<Id> {
        let mut ids: Vec<Id> = Vec::with_capacity(self.nodes.len());
        for node in &self.nodes {
            let id = match node {
                TNode::Var(v) => vars(*v)?,
                TNode::Shaped(kind, dims) => {
                    let shape_of = |v: Var| vars(v).map(|id| egraph[id].data.shape);
                    let dims: Option<Vec<Dim>> =
                        dims.iter().map(|d| d.eval(&shape_of, None)).collect();
                    egraph.add(kind.build(&dims?)?)
                }
                TNode::Node(Math::Unary(Op::D, [c])) => {
                    let inner = ids[usize::from(*c)];
                    d_of(egraph, inner)?
                }
                TNode::Node(m) => {
                    let m = m.clone().map_children(|c| ids[usize::from(c)]);
                    let env = &egraph.analysis.env;
                    node_shape(&m, |c| egraph[c].data.shape, |n| env.shape(n)).ok()?;
                    egraph.add(m)
                }
            };
            ids.push(id);
        }
        ids.last().copied()
    }
}

/// Conditions, then a shape-checked instantiation of the template.
#[derive(Debug, Clone)]
pub struct RuleApplier {
    pub template: Template,
    pub conditions: Vec<Condition>,
}

impl Applier<Math, MathAnalysis> for RuleApplier {
    fn apply_one(
        &self,
        egraph: &mut MathGraph,
        eclass: Id,
        subst: &Subst,
        searcher_ast: Option<&PatternAst<Math>>,
        rule_name: Symbol,
    ) -> Vec<Id> {
        if !self.conditions.iter().all(|c| c.check(egraph, subst)) {
            return vec![];
        }
        let target = egraph[eclass].data.shape;
        let Some(rhs) = self.template.instantiate(egraph, subst, target) else {
            return vec![];
        };
        match searcher_ast {
            // With explanations on, union through the patterns so proofs name the rule.
            Some(lhs) => {
                let (id, changed) = egraph.union_instantiations(lhs, &rhs, subst, rule_name);
                if changed {
                    vec![id]
                } else {
                    vec![]
                }
            }
            None => {
                let id = egraph.add_instantiation(&rhs, subst);
                if egraph.union(eclass, id) {
                    vec![eclass]
                } else {
                    vec![]
                }
            }
        }
    }

    fn vars(&self) -> Vec<Var> {
        let mut vars = self.template.vars();
        for c in &self.conditions {
            vars.extend(c.vars.iter().copied());
        }
        vars
    }
}
