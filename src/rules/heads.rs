//! Which operators a rule's sides use, so that a search is given only the rules that
//! can ever match. A pattern matches only where every operator it names is in the
//! graph; a rule that fires adds the operators of its right-hand side. Starting from
//! the operators of the input, the rules whose left-hand sides fit, and the operators
//! their right-hand sides add, grow to a fixed point: the other rules can never fire
//! in that search (the analysis only ever adds leaves), so leaving them out changes
//! nothing but the time spent — and the start-up time of building them.

use egg::{Analysis, EGraph, ENodeOrVar, PatternAst, RecExpr};

use crate::lang::{Math, Op};

/// A set of operators (leaves are not operators: names, numbers and shaped constants
/// are in every graph that matters).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct OpSet(u64);

// One bit per operator.
const _: () = assert!(Op::ALL.len() <= 64);

impl OpSet {
    pub fn insert(&mut self, op: Op) {
        self.0 |= 1 << (op as u64);
    }

    pub fn contains(self, op: Op) -> bool {
        self.0 & (1 << (op as u64)) != 0
    }

    pub fn union(self, other: OpSet) -> OpSet {
        OpSet(self.0 | other.0)
    }

    pub fn is_subset(self, of: OpSet) -> bool {
        self.0 & !of.0 == 0
    }

    pub fn of(ops: &[Op]) -> OpSet {
        let mut s = OpSet::default();
        for o in ops {
            s.insert(*o);
        }
        s
    }

    /// The operators of an expression.
    pub fn of_expr(e: &RecExpr<Math>) -> OpSet {
        let mut s = OpSet::default();
        for n in e.as_ref() {
            if let Some(op) = n.operator() {
                s.insert(op);
            }
        }
        s
    }

    /// The operators of every node of a graph.
    pub fn of_graph<N: Analysis<Math>>(g: &EGraph<Math, N>) -> OpSet {
        let mut s = OpSet::default();
        for class in g.classes() {
            for n in &class.nodes {
                if let Some(op) = n.operator() {
                    s.insert(op);
                }
            }
        }
        s
    }

    /// The operators of a pattern.
    pub fn of_pattern(p: &PatternAst<Math>) -> OpSet {
        let mut s = OpSet::default();
        for n in p.as_ref() {
            if let ENodeOrVar::ENode(m) = n {
                if let Some(op) = m.operator() {
                    s.insert(op);
                }
            }
        }
        s
    }

    /// The operators an S-expression's text names at the head of a list (see
    /// `scan::heads`): exactly those of a pattern, and at least those a right-hand side
    /// builds (a size like `(* (rows ?a) (cols ?b))` inside a shaped constant counts
    /// too, which only makes the set larger).
    pub fn of_text(text: &str) -> OpSet {
        OpSet::of_names(super::scan::heads(text).iter().map(String::as_str))
    }

    /// The operators among `names` (other names, like shaped constants, are not).
    pub fn of_names<'a>(names: impl IntoIterator<Item = &'a str>) -> OpSet {
        let mut s = OpSet::default();
        for op in names.into_iter().filter_map(Op::from_name) {
            s.insert(op);
        }
        s
    }
}

/// The sides' operators of one rule.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Heads {
    pub lhs: OpSet,
    pub rhs: OpSet,
}

/// The indices of `rules` (given by their heads) that can fire in a search starting
/// from the operators `present`, in their order.
pub fn reachable(heads: &[Heads], mut present: OpSet) -> Vec<usize> {
    let mut chosen = vec![false; heads.len()];
    loop {
        let mut grew = false;
        for (i, h) in heads.iter().enumerate() {
            if !chosen[i] && h.lhs.is_subset(present) {
                chosen[i] = true;
                let more = present.union(h.rhs);
                grew |= more != present;
                present = more;
            }
        }
        if !grew {
            break;
        }
    }
    (0..heads.len()).filter(|i| chosen[*i]).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_heads_name_the_operators() {
        let s = OpSet::of_text("(+ (* ?a ?b) (tr (zeros (* (rows ?a) 1) 1)))");
        for op in [Op::Add, Op::Mul, Op::Tr] {
            assert!(s.contains(op), "{op:?}");
        }
        assert!(!s.contains(Op::Sub));
    }

    #[test]
    fn reachability_is_a_fixed_point() {
        let h = |l: &[Op], r: &[Op]| Heads {
            lhs: OpSet::of(l),
            rhs: OpSet::of(r),
        };
        // Mul brings Trans, which brings Tr; Det never comes.
        let rules = [
            h(&[Op::Trans], &[Op::Tr]),
            h(&[Op::Mul], &[Op::Trans]),
            h(&[Op::Det], &[Op::Mul]),
        ];
        assert_eq!(reachable(&rules, OpSet::of(&[Op::Mul])), vec![0, 1]);
        assert_eq!(
            reachable(&rules, OpSet::of(&[Op::Add])),
            Vec::<usize>::new()
        );
    }
}
