//! Dimensions and shapes after inference: a dimension is a product of size symbols and
//! an integer (`n`, `3`, `m*n` for the rows of `kron` or `vec`), a shape a pair of them.

use std::fmt;

use egg::Symbol;

/// A dimension: `1`, a size symbol, an integer, or a product of those in canonical
/// order (the integer first, symbols sorted), so equal products compare equal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Dim(Symbol);

impl Dim {
    /// Reads `m*n`, `2*n`, `n`, `3`; factors are trimmed. Empty factors are dropped.
    pub fn new(s: &str) -> Dim {
        canonical(1, s.split('*').map(str::trim).filter(|f| !f.is_empty()))
    }
    pub fn one() -> Dim {
        Dim(Symbol::from("1"))
    }
    pub fn int(k: u64) -> Dim {
        canonical(k, std::iter::empty())
    }
    pub fn is_one(self) -> bool {
        self.0.as_str() == "1"
    }
    pub fn as_str(&self) -> &'static str {
        self.0.as_str()
    }
    /// The integer factor and the symbols of the product (`2*m*n` → 2, [m, n]).
    pub fn parts(self) -> (u64, Vec<&'static str>) {
        let mut k: u64 = 1;
        let mut syms = Vec::new();
        for f in self.0.as_str().split('*') {
            match f.parse::<u64>() {
                Ok(v) => k = k.saturating_mul(v),
                Err(_) => syms.push(f),
            }
        }
        (k, syms)
    }
    /// The factors of a product dimension, integers included (`m*n` → `m`, `n`).
    pub fn factors(self) -> Vec<&'static str> {
        self.0.as_str().split('*').filter(|f| *f != "1").collect()
    }
    /// The integer value, when the dimension has no symbol.
    pub fn value(self) -> Option<u64> {
        let (k, syms) = self.parts();
        syms.is_empty().then_some(k)
    }
    /// `self / other` when `other` divides it exactly (as a monomial).
    pub fn quotient(self, other: Dim) -> Option<Dim> {
        let (k, mut syms) = self.parts();
        let (j, osyms) = other.parts();
        if j == 0 || k % j != 0 {
            return None;
        }
        for s in osyms {
            let at = syms.iter().position(|x| *x == s)?;
            syms.remove(at);
        }
        Some(canonical(k / j, syms.into_iter()))
    }
}

impl fmt::Display for Dim {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0.as_str())
    }
}

fn canonical<'a>(mut number: u64, factors: impl Iterator<Item = &'a str>) -> Dim {
    let mut symbols: Vec<&str> = Vec::new();
    for f in factors {
        match f.parse::<u64>() {
            Ok(k) => number = number.saturating_mul(k),
            Err(_) => symbols.push(f),
        }
    }
    symbols.sort_unstable();
    let mut out = String::new();
    if number != 1 || symbols.is_empty() {
        out.push_str(&number.to_string());
    }
    for s in symbols {
        if !out.is_empty() {
            out.push('*');
        }
        out.push_str(s);
    }
    Dim(Symbol::from(out))
}

/// The product of two dimensions, in canonical form.
pub fn dim_mul(a: Dim, b: Dim) -> Dim {
    if a.is_one() {
        return b;
    }
    if b.is_one() {
        return a;
    }
    let (ka, sa) = a.parts();
    let (kb, sb) = b.parts();
    canonical(ka.saturating_mul(kb), sa.into_iter().chain(sb))
}

/// Rows by columns. Scalars are 1×1 and column vectors n×1.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Shape {
    pub rows: Dim,
    pub cols: Dim,
}

impl Shape {
    pub fn new(rows: Dim, cols: Dim) -> Shape {
        Shape { rows, cols }
    }
    pub fn scalar() -> Shape {
        Shape::new(Dim::one(), Dim::one())
    }
    pub fn is_scalar(self) -> bool {
        self.rows.is_one() && self.cols.is_one()
    }
    pub fn is_square(self) -> bool {
        self.rows == self.cols
    }
    /// A column n×1 with n ≠ 1.
    pub fn is_vector(self) -> bool {
        self.cols.is_one() && !self.rows.is_one()
    }
    pub fn transposed(self) -> Shape {
        Shape::new(self.cols, self.rows)
    }
    /// rows·cols, the length of vec of this shape.
    pub fn size(self) -> Dim {
        dim_mul(self.rows, self.cols)
    }
}

impl fmt::Display for Shape {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}×{}", self.rows, self.cols)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn products_are_canonical() {
        let mn = dim_mul(Dim::new("n"), Dim::new("m"));
        assert_eq!(mn.as_str(), "m*n");
        assert_eq!(dim_mul(Dim::new("2"), Dim::new("3")).as_str(), "6");
        assert_eq!(dim_mul(Dim::one(), Dim::new("n")).as_str(), "n");
        assert_eq!(Dim::new("n*2*m").as_str(), "2*m*n");
        assert_eq!(Dim::new("n*1").as_str(), "n");
    }

    #[test]
    fn quotients_of_monomials() {
        let d = Dim::new("2*m*n");
        assert_eq!(d.quotient(Dim::new("n")), Some(Dim::new("2*m")));
        assert_eq!(d.quotient(Dim::new("2*m*n")), Some(Dim::one()));
        assert_eq!(d.quotient(Dim::new("p")), None);
        assert_eq!(Dim::new("6").quotient(Dim::new("4")), None);
        assert_eq!(Dim::new("6").value(), Some(6));
        assert_eq!(Dim::new("n").value(), None);
    }
}
