//! The cheapest term of each class, found with a work list. egg's `Extractor` sweeps
//! every class until no cost changes, and a sweep may settle only one level of a deep
//! term: a sum of a thousand terms (a chain after associativity) took a thousand sweeps
//! of the whole graph. Here a class is looked at again only when one of its children
//! got cheaper, so the work is about the size of the graph.
//!
//! Costs only fall, and every operator adds to its children's cost, so the work list
//! ends; a last pass takes, in each class, the first cheapest node in the class's own
//! order, so that the answer does not depend on the order the list was worked in.

use std::collections::{HashMap, VecDeque};

use egg::{Analysis, CostFunction, EClass, EGraph, Id, Language, RecExpr};

use crate::lang::Math;

pub struct Cheapest<'a, CF: CostFunction<Math>, N: Analysis<Math>> {
    egraph: &'a EGraph<Math, N>,
    best: HashMap<Id, (CF::Cost, Math)>,
}

impl<'a, CF: CostFunction<Math>, N: Analysis<Math>> Cheapest<'a, CF, N> {
    pub fn new(egraph: &'a EGraph<Math, N>, mut cost: CF) -> Self {
        let mut best: HashMap<Id, (CF::Cost, Math)> = HashMap::new();
        let mut queue: VecDeque<Id> = egraph.classes().map(|c| c.id).collect();
        let mut queued: std::collections::HashSet<Id> = queue.iter().copied().collect();
        while let Some(id) = queue.pop_front() {
            queued.remove(&id);
            let class = &egraph[id];
            let Some(found) = cheapest_node(egraph, class, &best, &mut cost) else {
                continue;
            };
            let better = best.get(&id).is_none_or(|old| found.0 < old.0);
            if better {
                best.insert(id, found);
                for p in class.parents() {
                    let p = egraph.find(p);
                    if queued.insert(p) {
                        queue.push_back(p);
                    }
                }
            }
        }
        // The first cheapest node of each class, with every cost final.
        let settled: Vec<(Id, (CF::Cost, Math))> = egraph
            .classes()
            .filter_map(|c| cheapest_node(egraph, c, &best, &mut cost).map(|b| (c.id, b)))
            .collect();
        for (id, b) in settled {
            best.insert(id, b);
        }
        Cheapest { egraph, best }
    }

    /// The cost of the cheapest term of `id`'s class, if it has one.
    pub fn cost(&self, id: Id) -> Option<CF::Cost> {
        self.best.get(&self.egraph.find(id)).map(|b| b.0.clone())
    }

    /// The cheapest term of `id`'s class (empty if the class has no finite term).
    pub fn term(&self, id: Id) -> RecExpr<Math> {
        let mut out: RecExpr<Math> = RecExpr::default();
        let mut added: HashMap<Id, Id> = HashMap::new();
        // Children first, without recursion (terms can be deep).
        let mut stack: Vec<(Id, bool)> = vec![(self.egraph.find(id), false)];
        // Each class is expanded at most twice; more means a cycle of cheapest nodes,
        // which positive operator costs rule out.
        let mut budget = 4 * self.best.len() + 16;
        while let Some((c, ready)) = stack.pop() {
            budget = budget.saturating_sub(1);
            if budget == 0 {
                return RecExpr::default();
            }
            if added.contains_key(&c) {
                continue;
            }
            let Some((_, node)) = self.best.get(&c) else {
                return RecExpr::default();
            };
            let kids: Vec<Id> = node
                .children()
                .iter()
                .map(|k| self.egraph.find(*k))
                .collect();
            if ready || kids.iter().all(|k| added.contains_key(k)) {
                let n = node.clone().map_children(|k| added[&self.egraph.find(k)]);
                added.insert(c, out.add(n));
            } else {
                stack.push((c, true));
                for k in kids.iter().rev() {
                    stack.push((*k, false));
                }
            }
        }
        out
    }
}

/// The class's cheapest node whose children all have a cost, first in the class's
/// order among equals.
fn cheapest_node<CF: CostFunction<Math>, N: Analysis<Math>>(
    egraph: &EGraph<Math, N>,
    class: &EClass<Math, N::Data>,
    best: &HashMap<Id, (CF::Cost, Math)>,
    cost: &mut CF,
) -> Option<(CF::Cost, Math)> {
    let mut found: Option<(CF::Cost, Math)> = None;
    for node in class.iter() {
        if !node.all(|c| best.contains_key(&egraph.find(c))) {
            continue;
        }
        let c = cost.cost(node, |k| best[&egraph.find(k)].0.clone());
        if found.as_ref().is_none_or(|(f, _)| c < *f) {
            found = Some((c, node.clone()));
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;
    use egg::AstSize;

    #[test]
    fn a_deep_chain_and_its_cheaper_equal() {
        // x + (x + (… + x)) with its last level also equal to a leaf.
        let mut g: EGraph<Math, ()> = EGraph::default();
        let x = g.add(Math::Sym("x".into()));
        let mut top = x;
        for _ in 0..2000 {
            top = g.add(Math::binary(crate::lang::Op::Add, x, top));
        }
        crate::clock::rebuild(&mut g);
        let c = Cheapest::new(&g, AstSize);
        assert_eq!(c.cost(top), Some(4001));
        // The shared leaf once, and the 2000 sums.
        assert_eq!(c.term(top).as_ref().len(), 2001);
        let y = g.add(Math::Sym("y".into()));
        g.union(top, y);
        crate::clock::rebuild(&mut g);
        let c = Cheapest::new(&g, AstSize);
        assert_eq!(c.cost(top), Some(1));
        assert_eq!(c.term(top).to_string(), "y");
    }
}
