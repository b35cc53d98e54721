//! Dimensions and shapes after inference: a dimension is a product of symbols and
//! integers (`n`, `3`, `m*n` for the rows of `kron` or `vec`), a shape a pair of them.

use std::fmt;

use egg::Symbol;

/// A dimension: `1`, a size symbol, an integer, or a product of those in canonical
/// order (integers multiplied out first, symbols sorted), so equal products compare equal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Dim(pub Symbol);

impl Dim {
    pub fn new(s: &str) -> Dim {
        canonical(s.split('*').map(str::trim))
    }
    pub fn one() -> Dim {
        Dim(Symbol::from("1"))
    }
    pub fn is_one(self) -> bool {
        self.0.as_str() == "1"
    }
    pub fn as_str(&self) -> &str {
        self.0.as_str()
    }
    /// The factors of a product dimension (`m*n` → `m`, `n`).
    pub fn factors(self) -> Vec<&'static str> {
        self.0.as_str().split('*').filter(|f| *f != "1").collect()
    }
}

impl fmt::Display for Dim {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0.as_str())
    }
}

fn canonical<'a>(factors: impl Iterator<Item = &'a str>) -> Dim {
    let mut number: u64 = 1;
    let mut symbols: Vec<&str> = Vec::new();
    for f in factors {
        match f.parse::<u64>() {
            Ok(k) => number = number.saturating_mul(k),
            Err(_) => symbols.push(f),
        }
    }
    symbols.sort_unstable();
    let mut parts: Vec<String> = Vec::new();
    if number != 1 || symbols.is_empty() {
        parts.push(number.to_string());
    }
    parts.extend(symbols.iter().map(|s| s.to_string()));
    Dim(Symbol::from(parts.join("*")))
}

/// The product of two dimensions, in canonical form.
pub fn dim_mul(a: Dim, b: Dim) -> Dim {
    canonical(a.factors().into_iter().chain(b.factors()))
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
    pub fn is_vector(self) -> bool {
        self.cols.is_one() && !self.rows.is_one()
    }
    pub fn transposed(self) -> Shape {
        Shape::new(self.cols, self.rows)
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
    }
}
