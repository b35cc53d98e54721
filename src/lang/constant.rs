//! Constants whose shape is part of their identity. Two zeros of different shapes must
//! be different e-nodes, so the shape lives in the leaf itself.

use std::fmt;
use std::str::FromStr;

use crate::shape::{Dim, Shape};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Const {
    /// `I:n`, the n×n identity.
    Eye(Dim),
    /// `ones:r:c`, every entry 1 (`ones:n` is the column of n ones).
    Ones(Dim, Dim),
    /// `zero:r:c`.
    Zero(Dim, Dim),
    /// `K:m:n`, the commutation matrix (mn×mn) with K vec(X) = vec(X') for X m×n.
    Commutation(Dim, Dim),
}

impl Const {
    pub fn shape(self) -> Shape {
        match self {
            Const::Eye(n) => Shape::new(n, n),
            Const::Ones(r, c) | Const::Zero(r, c) => Shape::new(r, c),
            Const::Commutation(m, n) => {
                let s = Shape::new(m, n).size();
                Shape::new(s, s)
            }
        }
    }
    pub fn ones(n: Dim) -> Const {
        Const::Ones(n, Dim::one())
    }
}

impl fmt::Display for Const {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Const::Eye(n) => write!(f, "I:{n}"),
            Const::Ones(r, c) if c.is_one() => write!(f, "ones:{r}"),
            Const::Ones(r, c) => write!(f, "ones:{r}:{c}"),
            Const::Zero(r, c) => write!(f, "zero:{r}:{c}"),
            Const::Commutation(m, n) => write!(f, "K:{m}:{n}"),
        }
    }
}

impl FromStr for Const {
    type Err = ();
    fn from_str(s: &str) -> Result<Self, ()> {
        let parts: Vec<&str> = s.split(':').collect();
        let dim = |i: usize| -> Result<Dim, ()> {
            match parts.get(i) {
                Some(p) if !p.is_empty() => Ok(Dim::new(p)),
                _ => Err(()),
            }
        };
        match (parts[0], parts.len()) {
            ("I", 2) => Ok(Const::Eye(dim(1)?)),
            ("ones", 2) => Ok(Const::ones(dim(1)?)),
            ("ones", 3) => Ok(Const::Ones(dim(1)?, dim(2)?)),
            ("zero", 3) => Ok(Const::Zero(dim(1)?, dim(2)?)),
            ("K", 3) => Ok(Const::Commutation(dim(1)?, dim(2)?)),
            _ => Err(()),
        }
    }
}
