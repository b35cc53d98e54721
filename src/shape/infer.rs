//! Size inference by unification over monomials: a size is an integer times a product
//! of size symbols (`n`) and unknowns (`?3`). Unifying two monomials cancels their
//! common factors first, so a variable is never bound to a product that contains it
//! (the occurs check is built in) and every binding makes the problem strictly smaller.
//! Equations that are not yet decidable (`?1*?2 = m*n`) wait and are retried.
//!
//! An unknown may be marked "not 1": the size of a name the user did not declare. A
//! binding that would make it 1 is refused and recorded as a `Violation`, because it
//! would silently change what the name is (a vector of length 1 is a scalar).

use std::fmt;

use egg::Symbol;

use super::dim::Dim;
use super::rule::Sizes;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
enum Atom {
    Var(u32),
    Sym(Symbol),
}

/// A size during inference.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Size {
    k: u64,
    /// Sorted.
    atoms: Vec<Atom>,
}

/// Sizes bigger than this many factors are refused: no honest shape needs them, and a
/// bound keeps adversarial input (nested `kron`s) from growing terms without limit.
const MAX_FACTORS: usize = 64;

impl Size {
    pub fn one() -> Size {
        Size {
            k: 1,
            atoms: Vec::new(),
        }
    }
    pub fn known(d: Dim) -> Size {
        let (k, syms) = d.parts();
        let mut atoms: Vec<Atom> = syms.into_iter().map(|s| Atom::Sym(s.into())).collect();
        atoms.sort();
        Size { k, atoms }
    }
    fn var(v: u32) -> Size {
        Size {
            k: 1,
            atoms: vec![Atom::Var(v)],
        }
    }
    pub fn is_one(&self) -> bool {
        self.k == 1 && self.atoms.is_empty()
    }
    fn times(&self, other: &Size) -> Size {
        let mut atoms = self.atoms.clone();
        atoms.extend(other.atoms.iter().copied());
        atoms.sort();
        Size {
            k: self.k.saturating_mul(other.k),
            atoms,
        }
    }
    fn vars(&self) -> impl Iterator<Item = u32> + '_ {
        self.atoms.iter().filter_map(|a| match a {
            Atom::Var(v) => Some(*v),
            Atom::Sym(_) => None,
        })
    }
    /// The dimension, if no unknown is left.
    pub fn to_dim(&self) -> Option<Dim> {
        let mut parts: Vec<String> = vec![self.k.to_string()];
        for a in &self.atoms {
            match a {
                Atom::Sym(s) => parts.push(s.to_string()),
                Atom::Var(_) => return None,
            }
        }
        Some(Dim::new(&parts.join("*")))
    }
}

impl fmt::Display for Size {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut parts: Vec<String> = Vec::new();
        if self.k != 1 || self.atoms.is_empty() {
            parts.push(self.k.to_string());
        }
        for a in &self.atoms {
            parts.push(match a {
                Atom::Sym(s) => s.to_string(),
                Atom::Var(_) => "?".to_string(),
            });
        }
        f.write_str(&parts.join("*"))
    }
}

/// Why an unknown must not be 1: the name whose size it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotOne {
    pub name: String,
}

/// A refused binding: the unknown belongs to `name`, which would become size 1.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    pub name: String,
}

/// An equation that waits until more is known, with a tag for reporting it.
#[derive(Debug, Clone)]
struct Pending<T> {
    a: Size,
    b: Size,
    tag: T,
}

/// A waiting equation: its tag and the two sides as text.
pub type Waiting<T> = (T, String, String);

/// The one union-find of sizes (bindings, not a forest: every binding is a substitution).
#[derive(Debug, Clone)]
pub struct Solver<T: Clone> {
    binding: Vec<Option<Size>>,
    not_one: Vec<Option<NotOne>>,
    pending: Vec<Pending<T>>,
    /// The tag given to equations deferred by the next `unify` calls.
    pub tag: T,
    violations: Vec<Violation>,
}

impl<T: Clone> Solver<T> {
    pub fn new(tag: T) -> Solver<T> {
        Solver {
            binding: Vec::new(),
            not_one: Vec::new(),
            pending: Vec::new(),
            tag,
            violations: Vec::new(),
        }
    }

    pub fn fresh(&mut self) -> Size {
        self.binding.push(None);
        self.not_one.push(None);
        Size::var((self.binding.len() - 1) as u32)
    }

    /// A fresh unknown that must not become 1 (the size of `name`).
    pub fn fresh_not_one(&mut self, name: &str) -> Size {
        let s = self.fresh();
        if let Some(v) = s.vars().next() {
            self.not_one[v as usize] = Some(NotOne {
                name: name.to_string(),
            });
        }
        s
    }

    /// Refused bindings since the last call.
    pub fn take_violations(&mut self) -> Vec<Violation> {
        std::mem::take(&mut self.violations)
    }

    /// `s` with every bound unknown replaced, as far as they are bound.
    pub fn walk(&self, s: &Size) -> Size {
        let mut out = Size {
            k: s.k,
            atoms: Vec::with_capacity(s.atoms.len()),
        };
        let mut todo: Vec<Atom> = s.atoms.clone();
        let mut steps = 0usize;
        while let Some(a) = todo.pop() {
            steps += 1;
            match a {
                Atom::Var(v) => match &self.binding[v as usize] {
                    Some(b) if steps < 10_000 => {
                        out.k = out.k.saturating_mul(b.k);
                        todo.extend(b.atoms.iter().copied());
                    }
                    _ => out.atoms.push(a),
                },
                Atom::Sym(_) => out.atoms.push(a),
            }
        }
        out.atoms.sort();
        out
    }

    fn bind(&mut self, v: u32, to: Size) -> bool {
        if to.is_one() {
            if let Some(reason) = &self.not_one[v as usize] {
                self.violations.push(Violation {
                    name: reason.name.clone(),
                });
                return false;
            }
        }
        // An unknown that must not be 1 passes that on to a lone unknown it becomes.
        if let (Some(reason), true) = (self.not_one[v as usize].clone(), to.k == 1) {
            if let [Atom::Var(w)] = to.atoms.as_slice() {
                if self.not_one[*w as usize].is_none() {
                    self.not_one[*w as usize] = Some(reason);
                }
            }
        }
        self.binding[v as usize] = Some(to);
        true
    }

    /// Makes `a` and `b` equal; `false` when they cannot be. Undecidable equations wait
    /// (and count as success for now); `settle` decides them.
    pub fn unify(&mut self, a: &Size, b: &Size) -> bool {
        match self.try_unify(a, b) {
            Some(ok) => ok,
            None => {
                self.pending.push(Pending {
                    a: a.clone(),
                    b: b.clone(),
                    tag: self.tag.clone(),
                });
                true
            }
        }
    }

    /// `Some(ok)` when decided now, `None` when it must wait.
    fn try_unify(&mut self, a: &Size, b: &Size) -> Option<bool> {
        let (a, b) = (self.walk(a), self.walk(b));
        if a.atoms.len() > MAX_FACTORS || b.atoms.len() > MAX_FACTORS {
            return Some(false);
        }
        // Cancel common factors (both lists are sorted).
        let (mut l, mut r) = (Vec::new(), Vec::new());
        let (mut i, mut j) = (0, 0);
        while i < a.atoms.len() || j < b.atoms.len() {
            match (a.atoms.get(i), b.atoms.get(j)) {
                (Some(x), Some(y)) if x == y => {
                    i += 1;
                    j += 1;
                }
                (Some(x), Some(y)) if x < y => {
                    l.push(*x);
                    i += 1;
                }
                (Some(_), Some(y)) => {
                    r.push(*y);
                    j += 1;
                }
                (Some(x), None) => {
                    l.push(*x);
                    i += 1;
                }
                (None, Some(y)) => {
                    r.push(*y);
                    j += 1;
                }
                (None, None) => break,
            }
        }
        let g = gcd(a.k, b.k).max(1);
        let (kl, kr) = (a.k / g, b.k / g);
        let side = |k: u64, atoms: Vec<Atom>| Size { k, atoms };
        let (l, r) = (side(kl, l), side(kr, r));
        if l.atoms.is_empty() && r.atoms.is_empty() {
            return Some(l.k == r.k);
        }
        // A lone unknown on one side takes the other side (which cannot contain it).
        for (x, y) in [(&l, &r), (&r, &l)] {
            if x.k == 1 {
                if let [Atom::Var(v)] = x.atoms.as_slice() {
                    return Some(self.bind(*v, y.clone()));
                }
            }
        }
        // A side that is the number 1: every factor of the other side is 1.
        for (x, y) in [(&l, &r), (&r, &l)] {
            if x.is_one() {
                if y.k != 1 || y.atoms.iter().any(|a| matches!(a, Atom::Sym(_))) {
                    return Some(false);
                }
                let vars: Vec<u32> = y.vars().collect();
                let mut ok = true;
                for v in vars {
                    ok &= self.bind(v, Size::one());
                }
                return Some(ok);
            }
        }
        // Symbols alone on both sides: they differ.
        if l.vars().next().is_none() && r.vars().next().is_none() {
            return Some(false);
        }
        None
    }

    /// Retries waiting equations until none can be decided; returns the tags of those
    /// that fail, and of those that stay undecided.
    pub fn settle(&mut self) -> (Vec<Waiting<T>>, Vec<Waiting<T>>) {
        let mut failed = Vec::new();
        loop {
            let pending = std::mem::take(&mut self.pending);
            let before = pending.len();
            let mut progress = false;
            for p in pending {
                match self.try_unify(&p.a, &p.b) {
                    Some(true) => progress = true,
                    Some(false) => {
                        progress = true;
                        let (a, b) = (self.walk(&p.a), self.walk(&p.b));
                        failed.push((p.tag, a.to_string(), b.to_string()));
                    }
                    None => self.pending.push(p),
                }
            }
            if !progress || self.pending.is_empty() || self.pending.len() > before {
                break;
            }
        }
        let open = self
            .pending
            .iter()
            .map(|p| {
                let (a, b) = (self.walk(&p.a), self.walk(&p.b));
                (p.tag.clone(), a.to_string(), b.to_string())
            })
            .collect();
        (failed, open)
    }

    /// The unknowns still unbound, in order of creation.
    pub fn unbound(&self) -> Vec<u32> {
        (0..self.binding.len() as u32)
            .filter(|v| self.binding[*v as usize].is_none())
            .collect()
    }

    /// Binds an unbound unknown to a symbol (naming free sizes at the end).
    pub fn name(&mut self, v: u32, d: Dim) {
        if self.binding[v as usize].is_none() {
            self.binding[v as usize] = Some(Size::known(d));
        }
    }

    /// Names whose size ended up 1 although it must not be (found only at the end, when
    /// a product of unknowns collapsed).
    pub fn collapsed(&self) -> Vec<Violation> {
        let mut out = Vec::new();
        for (v, reason) in self.not_one.iter().enumerate() {
            if let Some(r) = reason {
                if self.walk(&Size::var(v as u32)).is_one() {
                    out.push(Violation {
                        name: r.name.clone(),
                    });
                }
            }
        }
        out
    }

    /// The size as a dimension; unknowns left are shown as `?`.
    pub fn resolve(&self, s: &Size) -> Dim {
        let w = self.walk(s);
        w.to_dim().unwrap_or_else(|| Dim::new("?"))
    }

    pub fn show(&self, s: &Size) -> String {
        self.walk(s).to_string()
    }
}

fn gcd(a: u64, b: u64) -> u64 {
    if b == 0 {
        a
    } else {
        gcd(b, a % b)
    }
}

impl<T: Clone> Sizes for Solver<T> {
    type D = Size;
    fn one(&mut self) -> Size {
        Size::one()
    }
    fn is_one(&mut self, d: &Size) -> bool {
        self.walk(d).is_one()
    }
    fn unify(&mut self, a: &Size, b: &Size) -> bool {
        Solver::unify(self, a, b)
    }
    fn mul(&mut self, a: &Size, b: &Size) -> Size {
        self.walk(a).times(&self.walk(b))
    }
    fn quotient(&mut self, whole: &Size, part: &Size) -> Option<Size> {
        let q = self.fresh();
        let prod = part.times(&q);
        Solver::unify(self, whole, &prod).then_some(q)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn solver() -> Solver<()> {
        Solver::new(())
    }

    #[test]
    fn binds_and_cancels() {
        let mut s = solver();
        let (a, b) = (s.fresh(), s.fresh());
        let n = Size::known(Dim::new("n"));
        assert!(s.unify(&a, &n));
        assert!(s.unify(&a.times(&b), &Size::known(Dim::new("m*n"))));
        assert_eq!(s.resolve(&b), Dim::new("m"));
    }

    #[test]
    fn no_occurs_loop() {
        // v = r*c and v = c force r = 1 (vec(A) + A style), without looping.
        let mut s = solver();
        let (r, c) = (s.fresh_not_one("A"), s.fresh());
        let v = r.times(&c);
        assert!(!s.unify(&v, &c));
        assert_eq!(s.take_violations(), vec![Violation { name: "A".into() }]);
        let mut s = solver();
        let (r, c) = (s.fresh(), s.fresh());
        assert!(s.unify(&r.times(&c), &c));
        assert!(s.walk(&r).is_one());
    }

    #[test]
    fn symbols_differ() {
        let mut s = solver();
        let n = Size::known(Dim::new("n"));
        let m = Size::known(Dim::new("m"));
        assert!(!s.unify(&n, &m));
        assert!(!s.unify(&n, &Size::one()));
        assert!(s.unify(
            &Size::known(Dim::new("2*n")),
            &n.times(&Size::known(Dim::int(2)))
        ));
    }

    #[test]
    fn undecided_products_wait() {
        let mut s = solver();
        let (a, b) = (s.fresh(), s.fresh());
        assert!(s.unify(&a.times(&b), &Size::known(Dim::new("m*n"))));
        let (failed, open) = s.settle();
        assert!(failed.is_empty());
        assert_eq!(open.len(), 1);
        assert!(s.unify(&a, &Size::known(Dim::new("m"))));
        let (failed, open) = s.settle();
        assert!(failed.is_empty() && open.is_empty());
        assert_eq!(s.resolve(&b), Dim::new("n"));
    }
}
