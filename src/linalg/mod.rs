//! Dense linear algebra for the numeric oracle: the matrix type, the kernels of every
//! operator (each checks its operands first: nalgebra panics on a mismatch, the oracle
//! must not), the scalar functions of the elementwise operators, and evaluation errors.

mod error;
pub mod kernels;

pub use error::EvalError;

/// Every value is a dense matrix; scalars are 1×1 and vectors n×1.
pub type Mat = nalgebra::DMatrix<f64>;

/// The most entries any one matrix may have, so that a huge declared size or a
/// Kronecker product of big operands is an error rather than an allocation abort.
pub const MAX_ENTRIES: usize = 1 << 22;

/// `Ok` when an r×c matrix is small enough to allocate.
pub fn checked_entries(r: usize, c: usize, what: &str) -> Result<(), EvalError> {
    match r.checked_mul(c) {
        Some(n) if n <= MAX_ENTRIES => Ok(()),
        _ => Err(EvalError::TooLarge(format!("{what} ({r}×{c})"))),
    }
}

/// The scalar functions behind the elementwise operators that `f64` lacks.
pub mod scalar {
    pub fn sigmoid(x: f64) -> f64 {
        1.0 / (1.0 + (-x).exp())
    }
    pub fn relu(x: f64) -> f64 {
        x.max(0.0)
    }
    /// The unit step (derivative of relu): 1 for x > 0, else 0.
    pub fn step(x: f64) -> f64 {
        if x > 0.0 {
            1.0
        } else {
            0.0
        }
    }
    /// -1, 0 or 1 (derivative of abs away from 0).
    pub fn sign(x: f64) -> f64 {
        if x > 0.0 {
            1.0
        } else if x < 0.0 {
            -1.0
        } else {
            0.0
        }
    }
    /// log(1 + e^x), without overflow for large x.
    pub fn softplus(x: f64) -> f64 {
        if x > 30.0 {
            x + (-x).exp().ln_1p()
        } else {
            x.exp().ln_1p()
        }
    }
}
