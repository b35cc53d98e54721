//! The right-hand side of a rule and the applier that instantiates it. Before adding
//! anything it computes the shape of every node it would build and refuses an
//! ill-shaped result (DESIGN lesson 2): a rule can never merge classes of different
//! shapes. It also expands the shape-dependent constants (`zero-like`, `ones-rows`, …)
//! that a pattern cannot express.

use egg::{Applier, ENodeOrVar, Id, Language, PatternAst, RecExpr, Subst, Symbol, Var};

use super::condition::Condition;
use crate::dim::{dim_mul, Dim, Shape};
use crate::engine::analysis::{MathAnalysis, MathGraph};
use crate::lang::{node_shape, Math, Number, ShapedConst};

/// A constant whose shape comes from a matched class.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Meta {
    /// The zero of ?a's shape.
    ZeroLike,
    /// The all-ones matrix of ?a's shape (`ones(m)*ones(n)'` for a matrix).
    OnesLike,
    /// `ones(rows of ?a)`, `ones(cols of ?a)`.
    OnesRows,
    OnesCols,
    /// `I(rows of ?a)`, `I(cols of ?a)`.
    EyeRows,
    EyeCols,
    /// `I(rows·cols of ?a)`, the identity on vec(?a).
    EyeVec,
    /// The commutation matrix K with K vec(?a) = vec(?a').
    CommutationOf,
}

impl Meta {
    pub const ALL: &'static [(&'static str, Meta)] = &[
        ("zero-like", Meta::ZeroLike),
        ("ones-like", Meta::OnesLike),
        ("ones-rows", Meta::OnesRows),
        ("ones-cols", Meta::OnesCols),
        ("eye-rows", Meta::EyeRows),
        ("eye-cols", Meta::EyeCols),
        ("eye-vec", Meta::EyeVec),
        ("commutation-of", Meta::CommutationOf),
    ];

    pub fn from_name(s: &str) -> Option<Meta> {
        Meta::ALL.iter().find(|(n, _)| *n == s).map(|(_, m)| *m)
    }

    /// The nodes (children first) that stand for this constant at `shape`.
    pub fn expand(self, shape: Shape) -> Vec<Math> {
        let one = || Math::Num(Number::new(1.0).expect("1 is a number"));
        let ones = |n: Dim| {
            if n.is_one() {
                one()
            } else {
                Math::Const(ShapedConst::Ones(n))
            }
        };
        let eye = |n: Dim| {
            if n.is_one() {
                one()
            } else {
                Math::Const(ShapedConst::Eye(n))
            }
        };
        match self {
            Meta::ZeroLike => vec![Math::zero(shape)],
            Meta::OnesRows => vec![ones(shape.rows)],
            Meta::OnesCols => vec![ones(shape.cols)],
            Meta::EyeRows => vec![eye(shape.rows)],
            Meta::EyeCols => vec![eye(shape.cols)],
            Meta::OnesLike if shape.cols.is_one() => vec![ones(shape.rows)],
            Meta::OnesLike => vec![
                ones(shape.rows),
                ones(shape.cols),
                Math::Trans(Id::from(1)),
                Math::Mul([Id::from(0), Id::from(2)]),
            ],
            Meta::EyeVec => vec![eye(dim_mul(shape.rows, shape.cols))],
            Meta::CommutationOf => {
                vec![Math::Const(ShapedConst::Commutation(
                    shape.rows, shape.cols,
                ))]
            }
        }
    }
}

/// One node of a right-hand side.
#[derive(Debug, Clone, PartialEq)]
pub enum TNode {
    Node(Math),
    Var(Var),
    Meta(Meta, Var),
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
            if let TNode::Var(v) | TNode::Meta(_, v) = n {
                if !out.contains(v) {
                    out.push(*v);
                }
            }
        }
        out
    }

    /// The concrete pattern for one match, or `None` if what it builds is ill-shaped
    /// or its shape differs from the matched class's.
    fn instantiate(
        &self,
        egraph: &MathGraph,
        subst: &Subst,
        target: Shape,
    ) -> Option<PatternAst<Math>> {
        let mut out: Vec<ENodeOrVar<Math>> = Vec::with_capacity(self.nodes.len());
        let mut shapes: Vec<Shape> = Vec::with_capacity(self.nodes.len());
        // Template index -> index in `out`.
        let mut at: Vec<Id> = Vec::with_capacity(self.nodes.len());
        let env = &egraph.analysis.env;
        for node in &self.nodes {
            match node {
                TNode::Var(v) => {
                    let shape = egraph[*subst.get(*v)?].data.shape;
                    out.push(ENodeOrVar::Var(*v));
                    shapes.push(shape);
                }
                TNode::Meta(meta, v) => {
                    let shape = egraph[*subst.get(*v)?].data.shape;
                    let base = out.len();
                    for m in meta.expand(shape) {
                        let m = m.map_children(|c| Id::from(base + usize::from(c)));
                        let s =
                            node_shape(&m, |c| shapes[usize::from(c)], |n| env.shape(n)).ok()?;
                        out.push(ENodeOrVar::ENode(m));
                        shapes.push(s);
                    }
                }
                TNode::Node(m) => {
                    let m = m.clone().map_children(|c| at[usize::from(c)]);
                    let s = node_shape(&m, |c| shapes[usize::from(c)], |n| env.shape(n)).ok()?;
                    out.push(ENodeOrVar::ENode(m));
                    shapes.push(s);
                }
            }
            at.push(Id::from(out.len() - 1));
        }
        if shapes.last() != Some(&target) {
            return None;
        }
        Some(RecExpr::from(out))
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
        if !self
            .conditions
            .iter()
            .all(|c| c.check(egraph, eclass, subst))
        {
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

#[cfg(test)]
mod tests {
    use crate::engine::analysis::{MathAnalysis, MathGraph};
    use crate::engine::saturate::{saturate, Limits};
    use crate::rules::parse_rule_file;

    /// A rule that is fine for square matrices must not fire where it would build an
    /// ill-shaped term, and so must never merge classes of different shapes.
    #[test]
    fn a_rule_never_merges_classes_of_different_shapes() {
        let src = "; AB = BA (true only sometimes; shapes decide here)\n(rule swap (* ?a ?b) => (* ?b ?a))";
        let rules = parse_rule_file("test", "test", src).expect("parses");
        let rewrites: Vec<_> = rules.iter().map(|r| r.to_rewrite()).collect();
        let (typed, env) =
            crate::read_expr("A*B", "A: matrix(m,n); B: matrix(n,p)").expect("reads");
        let mut egraph = MathGraph::new(MathAnalysis::new(env, None));
        let root = egraph.add_expr(&typed.expr);
        let (egraph, stats) = saturate(egraph, &rewrites, &Limits::default(), |_| false);
        // B*A does not conform (p ≠ m), so nothing was added or merged.
        assert_eq!(stats.ill_shaped, 0);
        assert_eq!(egraph[egraph.find(root)].nodes.len(), 1);
        assert_eq!(stats.applied.values().sum::<usize>(), 0);
    }
}
