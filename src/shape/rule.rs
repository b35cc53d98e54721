//! One shape rule per operator, generic over the size algebra, so that the same rule
//! serves inference (sizes still unknown, unified), the e-graph (sizes known, compared)
//! and the rule audit (sizes of pattern variables, unified).

use std::fmt::Debug;

/// The algebra of sizes a shape rule computes in.
pub trait Sizes {
    type D: Clone + Debug;
    fn one(&mut self) -> Self::D;
    /// Known to be 1 (an unknown size is not).
    fn is_one(&mut self, d: &Self::D) -> bool;
    /// Makes two sizes equal; `false` if they cannot be.
    fn unify(&mut self, a: &Self::D, b: &Self::D) -> bool;
    fn mul(&mut self, a: &Self::D, b: &Self::D) -> Self::D;
    /// `q` with `part * q = whole`, if there is one.
    fn quotient(&mut self, whole: &Self::D, part: &Self::D) -> Option<Self::D>;
}

/// Rows and columns in some size algebra.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Sh<D> {
    pub rows: D,
    pub cols: D,
}

impl<D: Clone> Sh<D> {
    pub fn new(rows: D, cols: D) -> Sh<D> {
        Sh { rows, cols }
    }
    pub fn transposed(&self) -> Sh<D> {
        Sh::new(self.cols.clone(), self.rows.clone())
    }
}

/// How an operator's shape follows from its operands' shapes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ShapeRule {
    /// One operand; the same shape (negation, elementwise functions, `d`).
    Same,
    /// Two operands of one shape (`+`, `-`).
    Sum,
    /// Elementwise binary: one shape, or one side 1×1 broadcast over the other.
    Broadcast,
    /// `*`: scaling when a side is 1×1, the matrix product otherwise.
    Product,
    /// `^`: a 1×1 exponent; a 1×1 or square base.
    Power,
    Transpose,
    /// `tr`, `det`, `logdet`: square to 1×1.
    SquareToScalar,
    /// `inv`, `adj`: square to the same.
    Square,
    Kron,
    /// `diag` of a column: n×1 to n×n.
    DiagOfColumn,
    /// `diag` of a square matrix: n×n to n×1.
    DiagOfSquare,
    /// `vec`: r×c to rc×1.
    Vec,
    /// Anything to 1×1 (`sum`, norms, `logsumexp`).
    ToScalar,
    /// A column to a column of the same length (`softmax`).
    Column,
    /// `unvec(v, I:p)`: a column of length pq to p×q (the identity only carries p).
    Unvec,
    /// `(lin C T)` = tr(C T): C has the shape of T', the result is 1×1.
    Lin,
    /// `(jacv J T)` = J vec(T): J has |T| columns, the result is a column.
    JacVec,
}

/// Why operands do not fit an operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    Arity,
    /// The operands' shapes do not conform.
    Mismatch,
    /// Operand `i` must be square.
    NotSquare(usize),
    /// Operand `i` must be a column vector.
    NotColumn(usize),
    /// The exponent is not 1×1.
    ExponentNotScalar,
}

fn is_scalar<S: Sizes>(s: &mut S, a: &Sh<S::D>) -> bool {
    s.is_one(&a.rows) && s.is_one(&a.cols)
}

fn same<S: Sizes>(s: &mut S, a: &Sh<S::D>, b: &Sh<S::D>) -> bool {
    // Both unifications run, so that rows and columns are both constrained.
    let rows = s.unify(&a.rows, &b.rows);
    let cols = s.unify(&a.cols, &b.cols);
    rows && cols
}

fn square<S: Sizes>(s: &mut S, a: &Sh<S::D>, i: usize) -> Result<(), Fault> {
    if s.unify(&a.rows, &a.cols) {
        Ok(())
    } else {
        Err(Fault::NotSquare(i))
    }
}

impl ShapeRule {
    pub fn arity(self) -> usize {
        use ShapeRule::*;
        match self {
            Sum | Broadcast | Product | Power | Kron | Unvec | Lin | JacVec => 2,
            _ => 1,
        }
    }

    /// The result's shape, or why the operands do not fit.
    pub fn apply<S: Sizes>(self, s: &mut S, args: &[Sh<S::D>]) -> Result<Sh<S::D>, Fault> {
        use ShapeRule::*;
        if args.len() != self.arity() {
            return Err(Fault::Arity);
        }
        let a = &args[0];
        let one = s.one();
        let scalar = Sh::new(one.clone(), one.clone());
        match self {
            Same => Ok(a.clone()),
            Sum => {
                if same(s, a, &args[1]) {
                    Ok(a.clone())
                } else {
                    Err(Fault::Mismatch)
                }
            }
            Broadcast => {
                let b = &args[1];
                if is_scalar(s, b) {
                    Ok(a.clone())
                } else if is_scalar(s, a) {
                    Ok(b.clone())
                } else if same(s, a, b) {
                    Ok(a.clone())
                } else {
                    Err(Fault::Mismatch)
                }
            }
            Product => {
                let b = &args[1];
                if is_scalar(s, a) {
                    Ok(b.clone())
                } else if is_scalar(s, b) {
                    Ok(a.clone())
                } else if s.unify(&a.cols, &b.rows) {
                    Ok(Sh::new(a.rows.clone(), b.cols.clone()))
                } else {
                    Err(Fault::Mismatch)
                }
            }
            Power => {
                let e = &args[1];
                let one_by_one = s.unify(&e.rows, &one) && s.unify(&e.cols, &one);
                if !one_by_one {
                    return Err(Fault::ExponentNotScalar);
                }
                if is_scalar(s, a) {
                    return Ok(scalar);
                }
                square(s, a, 0)?;
                Ok(a.clone())
            }
            Transpose => Ok(a.transposed()),
            SquareToScalar => square(s, a, 0).map(|_| scalar),
            Square => square(s, a, 0).map(|_| a.clone()),
            Kron => {
                let b = &args[1];
                let rows = s.mul(&a.rows, &b.rows);
                let cols = s.mul(&a.cols, &b.cols);
                Ok(Sh::new(rows, cols))
            }
            DiagOfColumn => {
                if s.unify(&a.cols, &one) {
                    Ok(Sh::new(a.rows.clone(), a.rows.clone()))
                } else {
                    Err(Fault::NotColumn(0))
                }
            }
            DiagOfSquare => square(s, a, 0).map(|_| Sh::new(a.rows.clone(), one)),
            Vec => {
                let n = s.mul(&a.rows, &a.cols);
                Ok(Sh::new(n, one))
            }
            ToScalar => Ok(scalar),
            Column => {
                if s.unify(&a.cols, &one) {
                    Ok(a.clone())
                } else {
                    Err(Fault::NotColumn(0))
                }
            }
            Unvec => {
                let carrier = &args[1];
                square(s, carrier, 1)?;
                if !s.unify(&a.cols, &one) {
                    return Err(Fault::NotColumn(0));
                }
                let q = s.quotient(&a.rows, &carrier.rows).ok_or(Fault::Mismatch)?;
                Ok(Sh::new(carrier.rows.clone(), q))
            }
            Lin => {
                let t = &args[1];
                let rows = s.unify(&a.rows, &t.cols);
                let cols = s.unify(&a.cols, &t.rows);
                if rows && cols {
                    Ok(scalar)
                } else {
                    Err(Fault::Mismatch)
                }
            }
            JacVec => {
                let t = &args[1];
                let n = s.mul(&t.rows, &t.cols);
                if s.unify(&a.cols, &n) {
                    Ok(Sh::new(a.rows.clone(), one))
                } else {
                    Err(Fault::Mismatch)
                }
            }
        }
    }
}

/// Known sizes: unification is a comparison.
pub struct Exact;

impl Sizes for Exact {
    type D = super::Dim;
    fn one(&mut self) -> super::Dim {
        super::Dim::one()
    }
    fn is_one(&mut self, d: &super::Dim) -> bool {
        d.is_one()
    }
    fn unify(&mut self, a: &super::Dim, b: &super::Dim) -> bool {
        a == b
    }
    fn mul(&mut self, a: &super::Dim, b: &super::Dim) -> super::Dim {
        super::dim_mul(*a, *b)
    }
    fn quotient(&mut self, whole: &super::Dim, part: &super::Dim) -> Option<super::Dim> {
        whole.quotient(*part)
    }
}
