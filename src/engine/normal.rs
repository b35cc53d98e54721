//! Long sums and products in one normal form, outside the e-graph. Associativity and
//! commutativity make the graph of a 400-term sum explode long before it finds that
//! the terms are alike; here a sum is a list of terms (a number × powers of scalar
//! factors × a chain of matrix factors) and alike terms are added: `s*s*…*s` is
//! `s^400`, `x - x - … - x` is `-398*x`, a sum of transposes is the transpose of the
//! sum. Nothing is expanded: a product with a sum in it keeps the sum as one factor.
//! The presentation search starts from this form, and its choice is normalised again.

use std::collections::HashMap;
use std::hash::{Hash, Hasher};

use egg::{Id, Language, RecExpr, Symbol};
use indexmap::IndexMap;

use crate::env::Env;
use crate::lang::{shapes_of, Const, Math, Number, Op};
use crate::shape::Shape;

/// Bounds on one node's normal form: a shared subterm can double a product at every
/// level of a DAG, and past these the node is kept as it is.
const MAX_FACTORS: usize = 256;
const MAX_TERMS: usize = 4096;
const MAX_EXPONENT: i64 = 1 << 20;

/// Powers of scalar factors, sorted by factor: `[(s, 2), (t, -1)]` is s²/t.
type Powers = Vec<(Id, i64)>;
/// Matrix factors in order, `(X, k)` standing for X^k.
type Chain = Vec<(Id, i64)>;

/// One product: a number, powers of scalars, and matrix factors.
#[derive(Clone, Debug)]
struct Term {
    coef: f64,
    powers: Powers,
    chain: Chain,
}

/// A value as a sum of terms; like terms share an entry.
#[derive(Clone, Debug)]
struct Sum {
    shape: Shape,
    terms: IndexMap<(Powers, Chain), f64>,
}

impl Sum {
    fn zero(shape: Shape) -> Sum {
        Sum {
            shape,
            terms: IndexMap::new(),
        }
    }

    fn single(shape: Shape, t: Term) -> Sum {
        let mut s = Sum::zero(shape);
        if t.coef != 0.0 {
            s.terms.insert((t.powers, t.chain), t.coef);
        }
        s
    }

    /// `self += k·other`; `false` past `MAX_TERMS` (then `self` is spoilt).
    fn add_in_place(&mut self, other: &Sum, k: f64) -> bool {
        for (key, c) in &other.terms {
            let slot = self.terms.entry(key.clone()).or_insert(0.0);
            *slot += k * c;
        }
        self.terms.retain(|_, c| *c != 0.0);
        self.terms.len() <= MAX_TERMS && self.terms.values().all(|c| c.is_finite())
    }

    /// `self + k·other`; `None` past `MAX_TERMS`.
    fn add(&self, other: &Sum, k: f64) -> Option<Sum> {
        let mut out = self.clone();
        for (key, c) in &other.terms {
            let slot = out.terms.entry(key.clone()).or_insert(0.0);
            *slot += k * c;
        }
        out.terms.retain(|_, c| *c != 0.0);
        (out.terms.len() <= MAX_TERMS && out.terms.values().all(|c| c.is_finite())).then_some(out)
    }

    fn scaled(&self, k: f64) -> Option<Sum> {
        Sum::zero(self.shape).add(self, k)
    }
}

/// Where each name first appears in the function being derived, read left to right:
/// a sum's terms are written in the order of their first names, as the input had them.
pub type Appearance = HashMap<Symbol, usize>;

/// The order of first appearance of the names of `exprs`.
pub fn appearance(exprs: &[&RecExpr<Math>]) -> Appearance {
    let mut out = Appearance::new();
    for e in exprs {
        for i in left_to_right(e) {
            if let Math::Sym(v) = &e.as_ref()[i] {
                let n = out.len();
                out.entry(*v).or_insert(n);
            }
        }
    }
    out
}

/// The nodes of `e` that its root reaches, in the order a reader meets them (each
/// shared node once, where it is first met).
fn left_to_right(e: &RecExpr<Math>) -> Vec<usize> {
    let nodes = e.as_ref();
    let mut out = Vec::with_capacity(nodes.len());
    let mut seen = vec![false; nodes.len()];
    // Iterative, for deep terms: children pushed right to left, popped left to right.
    let mut stack: Vec<usize> = nodes.len().checked_sub(1).into_iter().collect();
    while let Some(i) = stack.pop() {
        if std::mem::replace(&mut seen[i], true) {
            continue;
        }
        out.push(i);
        stack.extend(nodes[i].children().iter().rev().map(|c| usize::from(*c)));
    }
    out
}

/// The normal form of `expr` (see the module comment): the terms of each sum in the
/// order `order` gives their first names, ties and the factors of a product in the
/// order `expr` has them; `expr` itself when its shapes cannot be worked out.
/// How many nodes use each node as an operand; the root counts as used once more.
fn uses_of(nodes: &[Math]) -> Vec<usize> {
    let mut uses = vec![0usize; nodes.len()];
    for n in nodes {
        for c in n.children() {
            uses[usize::from(*c)] += 1;
        }
    }
    if let Some(root) = uses.last_mut() {
        *root += 1;
    }
    uses
}

pub fn normalise(expr: &RecExpr<Math>, env: &Env, order: &Appearance) -> RecExpr<Math> {
    let Ok(shapes) = shapes_of(expr, |v| env.shape(v)) else {
        return expr.clone();
    };
    if expr.as_ref().is_empty() {
        return expr.clone();
    }
    let mut n = Normaliser {
        env,
        input: expr.as_ref(),
        shapes: &shapes,
        out: RecExpr::default(),
        memo: HashMap::new(),
        sums: Vec::with_capacity(shapes.len()),
        uses: uses_of(expr.as_ref()),
        moved: vec![false; shapes.len()],
        built: vec![None; shapes.len()],
        order,
        first_name: Vec::new(),
        sum_atoms: HashMap::new(),
        chains: HashMap::new(),
        size: Vec::new(),
        hash: Vec::new(),
        out_shapes: Vec::new(),
    };
    for i in 0..shapes.len() {
        let s = n.sum_of(i);
        n.sums.push(s);
    }
    let root = n.child(shapes.len() - 1);
    reachable(&n.out, root)
}

struct Normaliser<'a> {
    env: &'a Env,
    input: &'a [Math],
    shapes: &'a [Shape],
    /// Every node built, hash-consed: equal subterms have one id.
    out: RecExpr<Math>,
    memo: HashMap<Math, Id>,
    /// The normal form of each input node, and its built id once asked for.
    sums: Vec<Sum>,
    /// How many nodes use each input node (the root once more), and whether its sum
    /// was moved into the one sum that uses it: a long chain of additions then costs
    /// its length, not its length squared.
    uses: Vec<usize>,
    moved: Vec<bool>,
    built: Vec<Option<Id>>,
    order: &'a Appearance,
    /// For each built node: the earliest place any of its names appears in `order`.
    first_name: Vec<usize>,
    /// The sums built as one factor, by their id.
    sum_atoms: HashMap<Id, Sum>,
    /// The products built from chains of several factors, by their id: the chain
    /// comes back when a transpose is undone.
    chains: HashMap<Id, Chain>,
    /// For each built node: its size as a tree, and a hash of its structure (by
    /// names, not interning order), the order of factors whose first names tie.
    size: Vec<usize>,
    hash: Vec<u64>,
    /// And its shape (`None` only if a built node were ill-shaped: a bug).
    out_shapes: Vec<Option<Shape>>,
}

impl Normaliser<'_> {
    /// Where a factor goes among others: by its first name in `order`, then the
    /// smaller first, then by structure. Only the function's names and the factor
    /// itself decide, so the normal form of a normal form is itself.
    fn key(&self, id: Id) -> (usize, usize, u64) {
        let i = usize::from(id);
        (self.first_name[i], self.size[i], self.hash[i])
    }

    /// The same for a term of a sum, from its factors.
    fn term_key(&self, powers: &[(Id, i64)], chain: &[(Id, i64)]) -> (usize, usize, u64) {
        let keys: Vec<(usize, usize, u64, i64)> = powers
            .iter()
            .chain(chain)
            .map(|(x, k)| {
                let (r, n, h) = self.key(*x);
                (r, n, h, *k)
            })
            .collect();
        let rank = keys.iter().map(|k| k.0).min().unwrap_or(usize::MAX);
        let size = keys.iter().map(|k| k.1).fold(0usize, usize::saturating_add);
        let mut hashes: Vec<(u64, i64)> = keys.iter().map(|k| (k.2, k.3)).collect();
        // The powers' order is by id, which differs between runs: sort the hashes.
        hashes[..powers.len()].sort_unstable();
        (rank, size, digest(&hashes))
    }

    fn add(&mut self, node: Math) -> Id {
        if let Some(id) = self.memo.get(&node) {
            return *id;
        }
        // Children are built first, so their ranks, sizes and hashes are known.
        let kids: Vec<usize> = node.children().iter().map(|c| usize::from(*c)).collect();
        let rank = match &node {
            Math::Sym(v) => self.order.get(v).copied().unwrap_or(usize::MAX),
            _ => kids
                .iter()
                .map(|c| self.first_name[*c])
                .min()
                .unwrap_or(usize::MAX),
        };
        let size = kids
            .iter()
            .map(|c| self.size[*c])
            .fold(1usize, usize::saturating_add);
        let mut h = std::collections::hash_map::DefaultHasher::new();
        match &node {
            Math::Unary(op, _) | Math::Binary(op, _) => op.name().hash(&mut h),
            leaf => leaf.to_string().hash(&mut h),
        }
        for c in &kids {
            self.hash[*c].hash(&mut h);
        }
        // The table's order of the operator on top leads the hash: sin before cos.
        let top = node
            .operator()
            .and_then(|o| Op::ALL.iter().position(|x| *x == o))
            .unwrap_or(0);
        let h = ((top as u64) << 56) | (h.finish() >> 8);
        let env = self.env;
        let shapes = &self.out_shapes;
        let shape = crate::lang::node_shape(
            &node,
            |c| shapes[usize::from(c)].unwrap_or_else(Shape::scalar),
            |v| env.shape(v),
        );
        self.out_shapes.push(shape.ok());
        let id = self.out.add(node.clone());
        self.memo.insert(node, id);
        self.first_name.push(rank);
        self.size.push(size);
        self.hash.push(h);
        id
    }

    fn node(&self, id: Id) -> &Math {
        &self.out[id]
    }

    /// The built form of input node `i`.
    fn child(&mut self, i: usize) -> Id {
        if let Some(id) = self.built[i] {
            return id;
        }
        self.restore(i);
        let s = self.sums[i].clone();
        let id = self.build(&s);
        self.built[i] = Some(id);
        id
    }

    fn sum_of(&mut self, i: usize) -> Sum {
        let shape = self.shapes[i];
        let node = self.input[i].clone();
        let shape_of = |c: &Id| self.shapes[usize::from(*c)];
        let same = |a: &Id, b: &Id| shape_of(a) == shape && shape_of(b) == shape;
        let found = match &node {
            Math::Num(v) => Some(Sum::single(
                shape,
                Term {
                    coef: v.value(),
                    powers: Vec::new(),
                    chain: Vec::new(),
                },
            )),
            Math::Const(Const::Zero(..)) => Some(Sum::zero(shape)),
            Math::Binary(op @ (Op::Add | Op::Sub), [a, b])
                if same(a, b) && a != b && self.uses[usize::from(*a)] == 1 =>
            {
                // Only this sum uses a's: add b's into it in place.
                let k = if *op == Op::Add { 1.0 } else { -1.0 };
                let ia = usize::from(*a);
                let mut acc = std::mem::replace(&mut self.sums[ia], Sum::zero(shape));
                self.moved[ia] = true;
                if acc.add_in_place(self.at(*b), k) {
                    Some(acc)
                } else {
                    // Past the limit: a's sum is wanted again, as an atom's operand.
                    self.restore(ia);
                    None
                }
            }
            Math::Binary(Op::Add, [a, b]) if same(a, b) => self.at(*a).add(self.at(*b), 1.0),
            Math::Binary(Op::Sub, [a, b]) if same(a, b) => self.at(*a).add(self.at(*b), -1.0),
            Math::Unary(Op::Neg, [a]) => self.at(*a).scaled(-1.0),
            Math::Binary(Op::Mul, [a, b]) => {
                let (ta, tb) = (self.factor(*a), self.factor(*b));
                self.product(ta, tb, shape)
            }
            Math::Binary(Op::HDiv, [a, b]) if shape_of(b).is_scalar() => {
                let ta = self.factor(*a);
                let tb = self.factor(*b);
                match inverse(tb) {
                    Some(inv) => self.product(ta, inv, shape),
                    None => None,
                }
            }
            Math::Binary(Op::Pow, [a, k]) => match self.number(*k) {
                Some(k) if k.fract() == 0.0 && k.abs() <= MAX_EXPONENT as f64 => {
                    let t = self.factor(*a);
                    power(t, k as i64, shape)
                }
                _ => None,
            },
            Math::Unary(Op::Trans, [a]) => self.transpose(*a, shape),
            // Linear in each operand: the numbers and scalar factors come out.
            Math::Unary(op @ (Op::Sum | Op::Tr | Op::Vec | Op::Diag | Op::DiagV), [a]) => {
                self.linear(*op, &[*a], shape)
            }
            Math::Binary(op @ (Op::Kron | Op::HMul), [a, b]) => self.linear(*op, &[*a, *b], shape),
            _ => None,
        };
        found.unwrap_or_else(|| self.atom(&node, shape))
    }

    /// The number input node `c` comes to, if it is one.
    fn number(&self, c: Id) -> Option<f64> {
        let s = self.at(c);
        match s.terms.len() {
            0 => Some(0.0),
            1 => s
                .terms
                .iter()
                .next()
                .and_then(|((p, ch), v)| (p.is_empty() && ch.is_empty()).then_some(*v)),
            _ => None,
        }
    }

    fn at(&self, c: Id) -> &Sum {
        // A moved sum's one user has consumed it; nothing reads it again.
        debug_assert!(!self.moved[usize::from(c)]);
        &self.sums[usize::from(c)]
    }

    /// Input node `i`'s sum again, if it was moved (and its operands' before it).
    fn restore(&mut self, i: usize) {
        if !self.moved[i] {
            return;
        }
        let kids: Vec<usize> = self.input[i]
            .children()
            .iter()
            .map(|c| usize::from(*c))
            .collect();
        for k in kids {
            self.restore(k);
        }
        self.moved[i] = false;
        self.sums[i] = self.sum_of(i);
    }

    /// Input node `i` kept as one factor, its operands normalised.
    fn atom(&mut self, node: &Math, shape: Shape) -> Sum {
        let node = node.clone().map_children(|c| self.child(usize::from(c)));
        let id = self.add(node);
        Sum::single(shape, self.atom_term(id, shape))
    }

    fn atom_term(&self, id: Id, shape: Shape) -> Term {
        let (powers, chain) = if shape.is_scalar() {
            (vec![(id, 1)], Vec::new())
        } else {
            (Vec::new(), vec![(id, 1)])
        };
        Term {
            coef: 1.0,
            powers,
            chain,
        }
    }

    /// Input node `c` as one term: itself if it is one, else its sum as one factor.
    fn factor(&mut self, c: Id) -> Term {
        let i = usize::from(c);
        let s = &self.sums[i];
        match s.terms.len() {
            0 => Term {
                coef: 0.0,
                powers: Vec::new(),
                chain: Vec::new(),
            },
            1 => {
                let ((powers, chain), coef) = s
                    .terms
                    .iter()
                    .next()
                    .map(|(k, c)| (k.clone(), *c))
                    .unwrap_or_default();
                Term {
                    coef,
                    powers,
                    chain,
                }
            }
            _ => {
                let s = s.clone();
                let (coef, id) = self.primitive(&s);
                Term {
                    coef,
                    ..self.atom_term(id, s.shape)
                }
            }
        }
    }

    fn product(&mut self, a: Term, b: Term, shape: Shape) -> Option<Sum> {
        let coef = a.coef * b.coef;
        if !coef.is_finite() {
            return None;
        }
        if coef == 0.0 {
            return Some(Sum::zero(shape));
        }
        let mut powers = merge_powers(&a.powers, &b.powers, 1)?;
        let mut chain = a.chain;
        for run in b.chain {
            push_run(&mut chain, run);
        }
        // The identity is a factor only when it is the whole chain.
        if chain.len() > 1 {
            chain.retain(|(id, _)| !matches!(self.node(*id), Math::Const(Const::Eye(_))));
        }
        if chain.len() > MAX_FACTORS {
            return None;
        }
        // A sum times one is the sum, open to the sum around it.
        if coef == 1.0 {
            let single = match (powers.as_slice(), chain.as_slice()) {
                ([(x, 1)], []) | ([], [(x, 1)]) => self.sum_atoms.get(x),
                _ => None,
            };
            if let Some(s) = single {
                return Some(Sum { shape, ..s.clone() });
            }
        }
        // A row times a column is a scalar: it commutes with the other scalars. Each
        // such run of the chain (from a row to the next column) comes out, whatever
        // the grouping was: x'*y*z' is (x'*y) z' either way.
        let (scalars, rest) = self.scalar_runs(&chain);
        for run in scalars {
            let id = self.build_chain(&run);
            powers = merge_powers(&powers, &[(id, 1)], 1)?;
        }
        chain = rest;
        if shape.is_scalar() && !chain.is_empty() {
            // Only if a shape were unknown.
            let id = self.build_chain(&chain);
            powers = merge_powers(&powers, &[(id, 1)], 1)?;
            chain = Vec::new();
        }
        Some(Sum::single(
            shape,
            Term {
                coef,
                powers,
                chain,
            },
        ))
    }

    /// `op` of matrix operands, each a number times scalars times a chain, as the
    /// product of the numbers and scalars with `op` of the chains: sum(-y) = -sum(y).
    fn linear(&mut self, op: Op, args: &[Id], shape: Shape) -> Option<Sum> {
        let mut coef = 1.0;
        let mut powers: Powers = Vec::new();
        let mut operands: Vec<Id> = Vec::new();
        for a in args {
            let t = self.factor(*a);
            if t.chain.is_empty() && t.coef != 0.0 {
                return None;
            }
            coef *= t.coef;
            powers = merge_powers(&powers, &t.powers, 1)?;
            operands.push(self.build_chain(&t.chain));
        }
        if coef == 0.0 {
            return Some(Sum::zero(shape));
        }
        let node = Math::op(op, &operands)?;
        let id = self.add(node);
        let mut t = self.atom_term(id, shape);
        t.coef = coef;
        t.powers = merge_powers(&t.powers, &powers, 1)?;
        Some(Sum::single(shape, t))
    }

    /// The runs of `chain` whose products are 1×1 (a row factor to the first column
    /// factor after it), and what is left of the chain.
    fn scalar_runs(&self, chain: &[(Id, i64)]) -> (Vec<Chain>, Chain) {
        let shape = |x: &Id| self.out_shapes[usize::from(*x)];
        let mut runs = Vec::new();
        let mut rest = Vec::new();
        let mut i = 0;
        while i < chain.len() {
            let row = shape(&chain[i].0).is_some_and(|s| s.rows.is_one());
            let end =
                (i..chain.len()).find(|j| shape(&chain[*j].0).is_some_and(|s| s.cols.is_one()));
            match end {
                Some(j) if row => {
                    runs.push(chain[i..=j].to_vec());
                    i = j + 1;
                }
                _ => {
                    rest.push(chain[i]);
                    i += 1;
                }
            }
        }
        (runs, rest)
    }

    /// The transpose, term by term: T(T(X)) = X, a symmetric variable is its own
    /// transpose, and a scalar is its own transpose.
    fn transpose(&mut self, a: Id, shape: Shape) -> Option<Sum> {
        let s = self.at(a).clone();
        self.transposed(&s, shape)
    }

    /// `s'` of shape `shape`: of one term, the term's transpose (T(T(x)) = x, S' = S
    /// for a symmetric S, ones' = ones); of a sum, the transpose of the sum.
    fn transposed(&mut self, s: &Sum, shape: Shape) -> Option<Sum> {
        if shape.is_scalar() {
            return Some(Sum { shape, ..s.clone() });
        }
        // The transpose of a sum stays one: (1 + e)' is what the rules know, and
        // 1' + e' would hide it from them; unless every term sheds its transpose:
        // (x' + y')' = x + y.
        let sheds = |n: &Self, chain: &Chain| match chain.as_slice() {
            [(x, _)] if n.is_symmetric(*x) => true,
            [(x, 1)] => matches!(
                n.node(*x),
                Math::Unary(Op::Trans, _) | Math::Const(Const::Eye(_) | Const::Ones(..))
            ),
            _ => false,
        };
        if s.terms.len() > 1 && !s.terms.keys().all(|(_, ch)| sheds(self, ch)) {
            let (k, id) = self.primitive(s);
            let t = self.add(Math::unary(Op::Trans, id));
            return Some(Sum::single(
                shape,
                Term {
                    coef: k,
                    powers: Vec::new(),
                    chain: vec![(t, 1)],
                },
            ));
        }
        let mut out = Sum::zero(shape);
        for ((powers, chain), c) in &s.terms {
            let (c, chain) = match chain.as_slice() {
                [(x, k)] if self.is_symmetric(*x) => (*c, vec![(*x, *k)]),
                // A sum kept as one factor: its transpose, as if it stood alone.
                [(x, 1)] if self.sum_atoms.contains_key(x) => {
                    let inner = self.sum_atoms[x].clone();
                    let inner = self.transposed(&inner, shape)?;
                    if powers.is_empty() {
                        out = out.add(&inner, *c)?;
                        continue;
                    }
                    match inner.terms.len() {
                        1 => {
                            let ((p, ch), k) = inner
                                .terms
                                .iter()
                                .next()
                                .map(|(k, v)| (k.clone(), *v))
                                .unwrap_or_default();
                            let term = Term {
                                coef: c * k,
                                powers: merge_powers(powers, &p, 1)?,
                                chain: ch,
                            };
                            out = out.add(&Sum::single(shape, term), 1.0)?;
                            continue;
                        }
                        _ => {
                            let (k, id) = self.primitive(&inner);
                            (c * k, vec![(id, 1)])
                        }
                    }
                }
                [(x, 1)] => match *self.node(*x) {
                    Math::Unary(Op::Trans, [z]) => (
                        *c,
                        self.chains.get(&z).cloned().unwrap_or_else(|| vec![(z, 1)]),
                    ),
                    Math::Const(Const::Eye(_)) => (*c, vec![(*x, 1)]),
                    Math::Const(Const::Ones(r, k)) => {
                        (*c, vec![(self.add(Math::Const(Const::Ones(k, r))), 1)])
                    }
                    _ => (*c, vec![(self.add(Math::unary(Op::Trans, *x)), 1)]),
                },
                _ => {
                    let p = self.build_chain(chain);
                    (*c, vec![(self.add(Math::unary(Op::Trans, p)), 1)])
                }
            };
            // A sum that comes out whole joins the sum around it.
            if let ([(z, 1)], true) = (chain.as_slice(), powers.is_empty()) {
                if let Some(inner) = self.sum_atoms.get(z).cloned() {
                    out = out.add(&Sum { shape, ..inner }, c)?;
                    continue;
                }
            }
            let term = Sum::single(
                shape,
                Term {
                    coef: c,
                    powers: powers.clone(),
                    chain,
                },
            );
            out = out.add(&term, 1.0)?;
        }
        Some(out)
    }

    fn is_symmetric(&self, id: Id) -> bool {
        matches!(self.node(id), Math::Sym(v) if self.env.is_symmetric(*v))
    }

    fn build_chain(&mut self, chain: &[(Id, i64)]) -> Id {
        let mut acc: Option<Id> = None;
        for (x, k) in chain {
            let f = self.power_node(*x, *k);
            acc = Some(match acc {
                Some(a) => self.add(Math::binary(Op::Mul, a, f)),
                None => f,
            });
        }
        // An empty chain is the number 1 (only scalar terms have one).
        let id = acc.unwrap_or_else(|| self.add(Math::num(1.0)));
        if chain.len() > 1 {
            self.chains.insert(id, chain.to_vec());
        }
        id
    }

    fn power_node(&mut self, x: Id, k: i64) -> Id {
        if k == 1 {
            x
        } else {
            let e = self.add(Math::Num(Number::int(k)));
            self.add(Math::binary(Op::Pow, x, e))
        }
    }

    /// The sum written out: a common factor of the numbers in front (`2*(a - b)`);
    /// two or more transposes added under one; the terms in the order of their first
    /// names (numbers, `I` and `ones` last), but a positive term first when there is
    /// one (`1 - s`); a negative one as a subtraction.
    fn build(&mut self, s: &Sum) -> Id {
        if s.terms.is_empty() {
            return self.add(Math::zero(s.shape));
        }
        let k = content(s);
        if s.terms.len() >= 2 && k.abs() != 1.0 {
            if let Some(inner) = s.scaled(1.0 / k) {
                let inner = self.build(&inner);
                let k = self.add(Math::num(k));
                return self.add(Math::binary(Op::Mul, k, inner));
            }
        }
        let transposed_term = |n: &Self, chain: &Chain| match chain.as_slice() {
            [(x, 1)] => match n.node(*x) {
                Math::Unary(Op::Trans, [z]) => Some(*z),
                _ => None,
            },
            _ => None,
        };
        let grouped = s
            .terms
            .keys()
            .filter(|(_, ch)| transposed_term(self, ch).is_some())
            .count()
            >= 2;
        let mut items: Vec<(f64, Powers, Chain)> = Vec::new();
        let mut group = Sum::zero(s.shape.transposed());
        let mut group_at = None;
        for ((powers, chain), c) in &s.terms {
            match transposed_term(self, chain) {
                Some(z) if grouped => {
                    if group_at.is_none() {
                        group_at = Some(items.len());
                        items.push((0.0, Vec::new(), Vec::new()));
                    }
                    // A transposed sum opens into the sum of the transposes.
                    match self.sum_atoms.get(&z) {
                        Some(inner) if powers.is_empty() => {
                            let inner = inner.clone();
                            group = group.add(&inner, *c).unwrap_or(group);
                        }
                        _ => {
                            let chain =
                                self.chains.get(&z).cloned().unwrap_or_else(|| vec![(z, 1)]);
                            *group.terms.entry((powers.clone(), chain)).or_insert(0.0) += *c;
                        }
                    }
                }
                _ => items.push((*c, powers.clone(), chain.clone())),
            }
        }
        group.terms.retain(|_, c| *c != 0.0);
        if let Some(at) = group_at {
            if group.terms.is_empty() {
                items.remove(at);
            } else {
                let (k, inner) = self.primitive(&group);
                let t = self.add(Math::unary(Op::Trans, inner));
                items[at] = (k, Vec::new(), vec![(t, 1)]);
            }
        }
        // By first name, then size and structure; terms without names (numbers, `I`,
        // `ones`) last. The order depends on the terms alone, not on how they came.
        items.sort_by_cached_key(|(_, p, ch)| self.term_key(p, ch));
        if items.first().is_some_and(|t| t.0 < 0.0) {
            if let Some(j) = items.iter().position(|t| t.0 > 0.0) {
                let t = items.remove(j);
                items.insert(0, t);
            }
        }
        let mut acc: Option<Id> = None;
        for (c, p, ch) in items {
            acc = Some(match acc {
                // A leading negative term carries its sign on its first factor.
                None => self.build_term(c, &p, &ch),
                Some(a) => {
                    let positive = self.build_term(c.abs(), &p, &ch);
                    let op = if c < 0.0 { Op::Sub } else { Op::Add };
                    self.add(Math::binary(op, a, positive))
                }
            });
        }
        acc.unwrap_or_else(|| self.add(Math::zero(s.shape)))
    }

    /// `s` as k · p with p's numbers sharing no factor and not all negative: the
    /// number k and the built p.
    fn primitive(&mut self, s: &Sum) -> (f64, Id) {
        let k = content(s);
        match s.scaled(1.0 / k).filter(|_| k != 1.0) {
            Some(p) => {
                let id = self.build(&p);
                self.sum_atoms.insert(id, p);
                (k, id)
            }
            None => {
                let id = self.build(s);
                self.sum_atoms.insert(id, s.clone());
                (1.0, id)
            }
        }
    }

    /// `c · Π s^k · chain`, with negative powers as a divisor; the scalar factors in
    /// the order they were met, and `-1` as a minus on the first factor.
    fn build_term(&mut self, c: f64, powers: &[(Id, i64)], chain: &[(Id, i64)]) -> Id {
        let mut powers = powers.to_vec();
        powers.sort_by_key(|(x, _)| self.key(*x));
        let mut factors: Vec<Id> = Vec::new();
        if c.abs() != 1.0 {
            factors.push(self.add(Math::num(c)));
        }
        let mut divisors: Vec<Id> = Vec::new();
        let last_power = powers.iter().rposition(|(_, k)| *k > 0);
        for (i, (x, k)) in powers.iter().enumerate() {
            if *k < 0 {
                divisors.push(self.power_node(*x, -k));
                continue;
            }
            // A row times a column last among the scalars reads as it is written:
            // `2*b'*y`, not `2*(b'*y)`.
            match self.node(*x).clone() {
                Math::Binary(Op::Mul, [a, b])
                    if *k == 1
                        && Some(i) == last_power
                        && chain.is_empty()
                        && !factors.is_empty() =>
                {
                    factors.extend([a, b]);
                }
                _ => factors.push(self.power_node(*x, *k)),
            }
        }
        for (x, k) in chain {
            factors.push(self.power_node(*x, *k));
        }
        if c == -1.0 {
            // Into a sum with a negative term, `(x - 1)*y'`, else on the first factor.
            let mixed = |n: &Self, f: &Id| {
                n.sum_atoms
                    .get(f)
                    .is_some_and(|s| s.terms.values().any(|c| *c < 0.0))
            };
            match factors.iter().position(|f| mixed(self, f)) {
                Some(i) => {
                    let negated = self.sum_atoms[&factors[i]].scaled(-1.0);
                    if let Some(n) = negated {
                        let id = self.build(&n);
                        self.sum_atoms.insert(id, n);
                        factors[i] = id;
                    }
                }
                None => match factors.first_mut() {
                    Some(f) => *f = self.negated(*f),
                    None => factors.push(self.add(Math::num(-1.0))),
                },
            }
        }
        let numerator = self.product_of(&factors);
        if divisors.is_empty() {
            numerator
        } else {
            let d = self.product_of(&divisors);
            self.add(Math::binary(Op::HDiv, numerator, d))
        }
    }

    /// `-f`, folding into a number.
    fn negated(&mut self, f: Id) -> Id {
        match *self.node(f) {
            Math::Num(v) => self.add(Math::num(-v.value())),
            _ => self.add(Math::unary(Op::Neg, f)),
        }
    }

    fn product_of(&mut self, factors: &[Id]) -> Id {
        let mut acc: Option<Id> = None;
        for f in factors {
            acc = Some(match acc {
                Some(a) => self.add(Math::binary(Op::Mul, a, *f)),
                None => *f,
            });
        }
        acc.unwrap_or_else(|| self.add(Math::num(1.0)))
    }
}

/// The common factor of a sum's numbers when they are all of one magnitude
/// (`2*a - 2*b` = `2*(a - b)`; `6*s - 4` stays as it is), negative when all are.
fn content(s: &Sum) -> f64 {
    let mags: Vec<f64> = s.terms.values().map(|c| c.abs()).collect();
    let g = match mags.first() {
        Some(m) if mags.iter().all(|x| x == m) && *m != 0.0 => *m,
        _ => 1.0,
    };
    if s.terms.values().all(|c| *c < 0.0) {
        -g
    } else {
        g
    }
}

fn digest(parts: &[(u64, i64)]) -> u64 {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    parts.hash(&mut h);
    h.finish()
}

/// Merges sorted power lists, `a · b^k`; zero powers vanish. `None` past the bounds.
fn merge_powers(a: &[(Id, i64)], b: &[(Id, i64)], k: i64) -> Option<Powers> {
    let mut out: Vec<(Id, i64)> = a.to_vec();
    for (x, e) in b {
        let e = e.checked_mul(k)?;
        match out.binary_search_by_key(x, |p| p.0) {
            Ok(i) => out[i].1 = out[i].1.checked_add(e)?,
            Err(i) => out.insert(i, (*x, e)),
        }
    }
    out.retain(|p| p.1 != 0);
    let bounded = out.len() <= MAX_FACTORS && out.iter().all(|p| p.1.abs() <= MAX_EXPONENT);
    bounded.then_some(out)
}

/// Appends X^k to a chain, joining it to a last factor X^j.
fn push_run(chain: &mut Chain, (x, k): (Id, i64)) {
    match chain.last_mut() {
        Some((y, j)) if *y == x => *j += k,
        _ => chain.push((x, k)),
    }
}

/// 1/t for a scalar term with a non-zero number.
fn inverse(t: Term) -> Option<Term> {
    if !t.chain.is_empty() || t.coef == 0.0 {
        return None;
    }
    Some(Term {
        coef: 1.0 / t.coef,
        powers: merge_powers(&[], &t.powers, -1)?,
        chain: Vec::new(),
    })
}

/// t^k for a number times a power of one factor: (2s)^3 = 8s^3, (X^2)^3 = X^6 (a
/// zero number only to a positive power). A product of several factors stays one
/// factor: (s t)^2 is what the presentation search may have chosen over s^2 t^2.
fn power(t: Term, k: i64, shape: Shape) -> Option<Sum> {
    if t.powers.len() + t.chain.len() > 1 || (!t.chain.is_empty() && k < 1) {
        return None;
    }
    let coef = t.coef.powi(i32::try_from(k).ok()?);
    if !coef.is_finite() || (t.coef == 0.0 && k <= 0) {
        return None;
    }
    let powers = merge_powers(&[], &t.powers, k)?;
    let chain = match t.chain.as_slice() {
        [(x, j)] => vec![(*x, j.checked_mul(k).filter(|e| *e <= MAX_EXPONENT)?)],
        _ => Vec::new(),
    };
    Some(Sum::single(
        shape,
        Term {
            coef,
            powers,
            chain,
        },
    ))
}

/// The nodes of `expr` that `root` reaches, in order, as an expression of their own.
fn reachable(expr: &RecExpr<Math>, root: Id) -> RecExpr<Math> {
    let nodes = expr.as_ref();
    let mut keep = vec![false; nodes.len()];
    keep[usize::from(root)] = true;
    for i in (0..=usize::from(root)).rev() {
        if keep[i] {
            for c in nodes[i].children() {
                keep[usize::from(*c)] = true;
            }
        }
    }
    let mut new_id = vec![Id::from(0); nodes.len()];
    let mut out = RecExpr::default();
    for i in 0..=usize::from(root) {
        if keep[i] {
            new_id[i] = out.add(nodes[i].clone().map_children(|c| new_id[usize::from(c)]));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::numeric::{eval, random_point, rel_err};
    use crate::read_expr;
    use crate::syntax::text::{to_text, TextOptions};

    /// The normal form's text; and its value equals the input's at a random point.
    fn normal(src: &str, decls: &str) -> String {
        let (t, env) = read_expr(src, decls).expect("test input type-checks");
        let n = normalise(&t.expr, &env, &appearance(&[&t.expr]));
        let p = random_point(&env, &[], 5, true);
        let (a, b) = (
            eval(&t.expr, &p).expect("evaluates"),
            eval(&n, &p).expect("evaluates"),
        );
        assert!(rel_err(&b, &a) < 1e-12, "{src}: values differ");
        to_text(&n, &env, TextOptions::default())
    }

    #[test]
    fn alike_terms_and_powers_are_added() {
        let d = "s: scalar; t: scalar; x: vector(n); y: vector(n); A: matrix(n,n)";
        assert_eq!(normal("s*s*s*s", d), "s^4");
        assert_eq!(normal("s*(t*s)*2*t", d), "2*s^2*t^2");
        assert_eq!(normal("x - x - x - x + 2*x", d), "zeros(n)");
        assert_eq!(normal("x - 3*x", d), "-2*x");
        assert_eq!(normal("2*(s + t) + 3*(s + t)", d), "5*(s + t)");
        assert_eq!(normal("s/t*t", d), "s");
        assert_eq!(normal("(2*s)^3", d), "8*s^3");
        assert_eq!(normal("(s*t)^2", d), "(s*t)^2");
        assert_eq!(normal("A*A*(A*A)", d), "A^4");
        assert_eq!(normal("x'*y*s*(x'*y)", d), "(x'*y)^2*s");
        assert_eq!(normal("1 + s - 1 + t", d), "s + t");
        assert_eq!(
            normal("exp(s)*(1 - exp(s))*(1 - 2*exp(s))", d),
            "exp(s)*(1 - exp(s))*(1 - 2*exp(s))"
        );
    }

    #[test]
    fn transposes_are_collected() {
        let d = "a: vector(n); b: vector(n); c: vector(n); A: matrix(n,n)";
        assert_eq!(normal("a' + b' + 2*c'", d), "(a + b + 2*c)'");
        assert_eq!(normal("(a')'", d), "a");
        assert_eq!(normal("(A*A)' - (A*A)'", d), "zeros(n, n)");
        assert_eq!(normal("(2*a)'", d), "2*a'");
        assert_eq!(normal("(a + b)' - a' - b' + c'", d), "c'");
        assert_eq!(normal("(a + b)' + a'", d), "(2*a + b)'");
        assert_eq!(normal("(a' + b')'", d), "a + b");
        assert_eq!(normal("((a + b)')'", d), "a + b");
    }

    #[test]
    fn terms_keep_the_order_of_their_names() {
        let d = "a: vector(n); b: vector(n); c: vector(n)";
        assert_eq!(normal("c + a + b + a", d), "c + 2*a + b");
    }

    #[test]
    fn a_doubling_dag_stays_bounded() {
        // h_{k+1} = h_k * h_k, twenty times: 2^20 factors as one power, no blow-up.
        let mut e: RecExpr<Math> = RecExpr::default();
        let mut h = e.add(Math::Sym(Symbol::from("s")));
        for _ in 0..20 {
            h = e.add(Math::binary(Op::Mul, h, h));
        }
        let (_, env) = read_expr("s", "s: scalar").expect("type-checks");
        let n = normalise(&e, &env, &Appearance::new());
        assert_eq!(to_text(&n, &env, TextOptions::default()), "s^1048576");
        // Past the exponent bound the product is kept as it is.
        e.add(Math::binary(Op::Mul, h, h));
        let n = normalise(&e, &env, &Appearance::new());
        assert!(n.as_ref().len() <= e.as_ref().len());
    }
}
