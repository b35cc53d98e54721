//! The soundness audit (ruler's `validate`): both sides of a rule evaluated on random
//! matrices of conforming, distinct sizes. A differential `(d a)` is the directional
//! derivative of `a` when every variable under a `d` moves along a random tangent,
//! so the differential rules are checked exactly like the algebraic ones.

use egg::{ENodeOrVar, Id, RecExpr, Symbol, Var};
use indexmap::IndexMap;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use super::shapes::{self, Sizes};
use crate::env::{Env, VarInfo, VarKind};
use crate::lang::{Math, Op};
use crate::numeric::{eval, rel_err, Mat, Point};
use crate::rules::condition::CondKind;
use crate::rules::template::TNode;
use crate::rules::Rule;
use crate::shape::{Dim, Shape};

/// Random points tried per rule, and the relative error that still counts as equal
/// (central differences are accurate to about 1e-9 here).
const POINTS: usize = 3;
const TOLERANCE: f64 = 1e-5;

#[derive(Debug, Clone, PartialEq)]
pub enum Verdict {
    Sound {
        points: usize,
    },
    /// Both sides differ at this point.
    Unsound {
        counterexample: String,
    },
    /// No shapes or no point where both sides are defined.
    Unknown {
        reason: String,
    },
}

/// Checks one rule, under every assignment of sizes worth trying.
pub fn check_rule(rule: &Rule, seed: u64) -> Verdict {
    let assignments = match shapes::assignments(rule) {
        Ok(a) => a,
        Err(reason) => return Verdict::Unknown { reason },
    };
    let mut points = 0;
    let mut last_unknown = None;
    for sizes in &assignments {
        match check_sizes(rule, sizes, seed) {
            Verdict::Sound { points: p } => points += p,
            unsound @ Verdict::Unsound { .. } => return unsound,
            Verdict::Unknown { reason } => last_unknown = Some(reason),
        }
    }
    match (points, last_unknown) {
        (0, Some(reason)) => Verdict::Unknown { reason },
        (0, None) => Verdict::Unknown {
            reason: "no sizes to try".to_string(),
        },
        (points, _) => Verdict::Sound { points },
    }
}

/// Checks one rule at random points with the given sizes.
fn check_sizes(rule: &Rule, sizes: &Sizes, seed: u64) -> Verdict {
    let names: IndexMap<Var, Symbol> = sizes
        .keys()
        .map(|v| (*v, Symbol::from(format!("{}", v).trim_start_matches('?'))))
        .collect();
    let dim = |n: usize| Dim::new(&n.to_string());
    let mut env = Env::default();
    for (v, (r, c)) in sizes {
        let symmetric = rule
            .conditions
            .iter()
            .any(|c| c.kind == CondKind::Symmetric && c.vars[0] == *v);
        env.vars.insert(
            names[v],
            VarInfo {
                kind: if symmetric {
                    VarKind::Symmetric
                } else {
                    VarKind::Matrix
                },
                shape: Shape::new(dim(*r), dim(*c)),
                declared: true,
            },
        );
    }
    let lhs = lower_lhs(rule, &names);
    let root_shape = crate::lang::shapes_of(&lhs, |v| env.shape(v))
        .ok()
        .and_then(|s| s.last().copied());
    let rhs = lower_rhs(rule, &names, &env, root_shape);
    let moving = moving_vars(rule);
    let mut tried = 0;
    for k in 0..POINTS as u64 * 4 {
        if tried == POINTS {
            break;
        }
        let positive = k % 2 == 1;
        let point = random_point(rule, sizes, &names, &moving, seed.wrapping_add(k), positive);
        let (a, b) = match (eval(&lhs, &point), eval(&rhs, &point)) {
            (Ok(a), Ok(b)) => (a, b),
            // Outside a side's domain (log of a negative, a singular matrix): try again.
            (Err(e), _) | (_, Err(e)) if e.is_numeric() => continue,
            (Err(e), _) | (_, Err(e)) => {
                return Verdict::Unknown {
                    reason: e.to_string(),
                }
            }
        };
        let err = rel_err(&a, &b);
        if err.is_nan() || err > TOLERANCE {
            return Verdict::Unsound {
                counterexample: describe(&point, &a, &b, err),
            };
        }
        tried += 1;
    }
    if tried == 0 {
        Verdict::Unknown {
            reason: "no random point where both sides are defined".to_string(),
        }
    } else {
        Verdict::Sound { points: tried }
    }
}

fn describe(point: &Point, lhs: &Mat, rhs: &Mat, err: f64) -> String {
    let mut s = String::new();
    for (name, v) in &point.values {
        s.push_str(&format!("{name} = {}", compact(v)));
        if let Some(t) = point.tangents.get(name) {
            s.push_str(&format!(", d{name} = {}", compact(t)));
        }
        s.push('\n');
    }
    s.push_str(&format!(
        "left = {}\nright = {}\nrelative error {err:.2e}",
        compact(lhs),
        compact(rhs)
    ));
    s
}

/// A matrix on one line: `[[1, 2]; [3, 4]]`.
pub fn compact(m: &Mat) -> String {
    // The top left corner of a large value, with `…` for the rest.
    const CORNER: usize = 6;
    let rows: Vec<String> = (0..m.nrows().min(CORNER))
        .map(|i| {
            let mut cells: Vec<String> = (0..m.ncols().min(CORNER))
                .map(|j| format!("{:.4}", m[(i, j)]))
                .collect();
            if m.ncols() > CORNER {
                cells.push("…".to_string());
            }
            format!("[{}]", cells.join(", "))
        })
        .collect();
    let more = if m.nrows() > CORNER { "; …" } else { "" };
    format!("[{}{more}]", rows.join("; "))
}

/// Variables that move under `d`: those inside a differential on either side, unless
/// the rule says they are constant or hold a differential themselves.
fn moving_vars(rule: &Rule) -> Vec<Var> {
    let mut out = Vec::new();
    let cond = |kind: CondKind, v: &Var| {
        rule.conditions
            .iter()
            .any(|c| c.kind == kind && c.vars.contains(v))
    };
    let ast = rule.lhs.ast.as_ref();
    let mut under_d = vec![false; ast.len()];
    for (i, n) in ast.iter().enumerate().rev() {
        if let ENodeOrVar::ENode(m) = n {
            let inside = under_d[i] || m.is_op(Op::D);
            for c in egg::Language::children(m) {
                under_d[usize::from(*c)] |= inside;
            }
        }
    }
    for (i, n) in ast.iter().enumerate() {
        if let ENodeOrVar::Var(v) = n {
            // A variable with a known value (a number, a zero, ones) is a constant too.
            let fixed = [
                CondKind::Const,
                CondKind::HasD,
                CondKind::Number,
                CondKind::Int,
                CondKind::IntGe2,
                CondKind::NegInt,
                CondKind::NonZeroNum,
                CondKind::NegativeNum,
                CondKind::Zero,
                CondKind::Ones,
                CondKind::Eye,
            ]
            .iter()
            .any(|k| cond(*k, v));
            if under_d[i] && !fixed && !out.contains(v) {
                out.push(*v);
            }
        }
    }
    for c in &rule.conditions {
        if matches!(c.kind, CondKind::IsVar | CondKind::Depends) {
            for v in &c.vars {
                if !out.contains(v) {
                    out.push(*v);
                }
            }
        }
    }
    out
}

fn random_point(
    rule: &Rule,
    sizes: &Sizes,
    names: &IndexMap<Var, Symbol>,
    moving: &[Var],
    seed: u64,
    positive: bool,
) -> Point {
    let mut rng = StdRng::seed_from_u64(seed);
    let mut point = Point::default();
    let cond = |kind: CondKind, v: &Var| {
        rule.conditions
            .iter()
            .any(|c| c.kind == kind && c.vars.first() == Some(v))
    };
    for (v, &(r, c)) in sizes {
        let (lo, hi) = if positive { (0.5, 1.5) } else { (-1.0, 1.0) };
        let mut random = |r: usize, c: usize| Mat::from_fn(r, c, |_, _| rng.random_range(lo..hi));
        let value = if cond(CondKind::Zero, v) {
            Mat::zeros(r, c)
        } else if cond(CondKind::Ones, v) {
            Mat::from_element(r, c, 1.0)
        } else if cond(CondKind::Eye, v) {
            Mat::identity(r, c)
        } else if cond(CondKind::NegativeNum, v) {
            Mat::from_element(1, 1, -1.5)
        } else if cond(CondKind::Int, v) {
            Mat::from_element(1, 1, -2.0)
        } else if cond(CondKind::IntGe2, v) {
            Mat::from_element(1, 1, 3.0)
        } else if cond(CondKind::NegInt, v) {
            Mat::from_element(1, 1, -2.0)
        } else if cond(CondKind::Simplex, v) {
            let p = random(r, c).map(|x| x.abs() + 0.5);
            let total = p.sum();
            p / total
        } else if cond(CondKind::Symmetric, v) {
            let b = random(r, r);
            &b * b.transpose() + Mat::identity(r, r) * r as f64
        } else if r == c && r > 1 {
            Mat::identity(r, r) * r as f64 + random(r, r) * 0.5
        } else {
            random(r, c)
        };
        point.values.insert(names[v], value);
        if moving.contains(v) {
            let t = Mat::from_fn(r, c, |_, _| rng.random_range(-1.0..1.0));
            let t = if cond(CondKind::Symmetric, v) {
                (&t + t.transpose()) * 0.5
            } else {
                t
            };
            point.tangents.insert(names[v], t);
        }
    }
    point
}

fn lower_lhs(rule: &Rule, names: &IndexMap<Var, Symbol>) -> RecExpr<Math> {
    let nodes: Vec<Math> = rule
        .lhs
        .ast
        .as_ref()
        .iter()
        .map(|n| match n {
            ENodeOrVar::Var(v) => {
                Math::Sym(names.get(v).copied().unwrap_or_else(|| Symbol::from("?")))
            }
            ENodeOrVar::ENode(m) => m.clone(),
        })
        .collect();
    RecExpr::from(nodes)
}

fn lower_rhs(
    rule: &Rule,
    names: &IndexMap<Var, Symbol>,
    env: &Env,
    root_shape: Option<Shape>,
) -> RecExpr<Math> {
    let mut out: Vec<Math> = Vec::new();
    let mut at: Vec<Id> = Vec::new();
    for node in &rule.rhs.nodes {
        match node {
            TNode::Var(v) => out.push(Math::Sym(
                names.get(v).copied().unwrap_or_else(|| Symbol::from("?")),
            )),
            TNode::Node(m) => out.push(m.clone().map_children_ids(&at)),
            TNode::Shaped(kind, dims) => {
                let shape_of = |v: Var| names.get(&v).and_then(|n| env.shape(*n));
                let dims: Vec<Dim> = dims
                    .iter()
                    .map(|d| d.eval(&shape_of, root_shape).unwrap_or_else(Dim::one))
                    .collect();
                out.push(kind.build(&dims).unwrap_or_else(|| Math::num(0.0)));
            }
        }
        at.push(Id::from(out.len() - 1));
    }
    RecExpr::from(out)
}

trait MapIds {
    fn map_children_ids(self, at: &[Id]) -> Math;
}

impl MapIds for Math {
    fn map_children_ids(self, at: &[Id]) -> Math {
        egg::Language::map_children(self, |c| at[usize::from(c)])
    }
}
