//! The operator table: every operator of the language in one place, with its e-graph
//! name, its shape rule, how text, LaTeX and NumPy spell it, and how the numeric oracle
//! evaluates it. Adding an operator is one row here (plus its rules in `rules/`); the
//! type checker, the e-graph, the printers, the oracle and the audit all read this row.

use super::prec::Prec;
use crate::linalg::kernels as k;
use crate::linalg::{scalar, EvalError, Mat};
use crate::shape::ShapeRule;

macro_rules! operators {
    ($($variant:ident),* $(,)?) => {
        /// Every operator (the leaves — numbers, names, shaped constants — are not).
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Op { $($variant),* }
        impl Op {
            pub const ALL: &'static [Op] = &[$(Op::$variant),*];
        }
    };
}

operators! {
    Add, Sub, Neg, Mul, HMul, HDiv, Pow, HPow, Trans,
    Tr, Det, LogDet, Inv, Adj, Kron, Diag, DiagV, Vec, Unvec, Sum, Norm2, Norm1,
    LogSumExp, Softmax,
    Exp, Log, Sin, Cos, Tan, Tanh, Sinh, Cosh, Sigmoid, Sqrt, Asin, Acos, Atan, Abs, Sign, Relu,
    Step, Softplus,
    D, Lin, JacV,
}

/// How the text of the language writes an operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Text {
    /// Left-associative infix at a binding strength; the right operand binds tighter.
    Infix(&'static str, Prec),
    /// Prefix unary minus.
    Prefix(&'static str),
    /// Postfix transpose.
    Postfix(&'static str),
    /// Right-associative power.
    Power(&'static str),
    /// A call `f(a, …)`.
    Call(&'static str),
    /// Not input syntax: differentials and canonical forms, printed for steps only.
    Internal,
}

/// How LaTeX writes it; `{0}`, `{1}` stand for the operands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Latex {
    Infix(&'static str, Prec),
    /// An operator name applied to a parenthesised argument.
    Call(&'static str),
    /// A template that needs no parentheses around it.
    Template(&'static str),
    /// Written by the printer itself (products, powers, transposes, inverses).
    Custom,
}

/// How NumPy writes it; `{0}`, `{1}` stand for the operands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Numpy {
    Infix(&'static str, Prec),
    /// A function of one array, e.g. `np.exp`.
    Call(&'static str),
    /// A template that is an atom (a call) once filled in.
    Template(&'static str),
    /// Written by the printer itself (products, powers, transposes, sizes).
    Custom,
}

/// How the oracle evaluates it.
#[derive(Clone, Copy)]
pub enum Kernel {
    /// Elementwise, by a scalar function.
    Map(fn(f64) -> f64),
    Unary(fn(&Mat) -> Result<Mat, EvalError>),
    Binary(fn(&Mat, &Mat) -> Result<Mat, EvalError>),
    /// Evaluated by the evaluator itself (differentials, canonical forms, `unvec`).
    Special,
}

/// What kind of operator it is, for the language reference and the generators.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Class {
    /// Arithmetic and structural operators.
    Algebra,
    /// Applied to each entry.
    Elementwise,
    /// Not differentiable everywhere (differentiated where it is).
    NonSmooth,
    /// The calculus nodes: `d` and the canonical forms.
    Calculus,
}

/// Where an elementwise function is smooth: the open interval `(lo, hi)` its argument's
/// entries must lie in (non-smooth functions are also not smooth at 0, see `Class`).
/// Whoever picks arguments — the random-expression generators, test points — keeps
/// inside it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Domain {
    pub lo: f64,
    pub hi: f64,
}

impl Domain {
    pub const REAL: Domain = Domain {
        lo: f64::NEG_INFINITY,
        hi: f64::INFINITY,
    };
    pub const POSITIVE: Domain = Domain {
        lo: 0.0,
        hi: f64::INFINITY,
    };
    pub const UNIT: Domain = Domain { lo: -1.0, hi: 1.0 };
    pub const HALF_PI: Domain = Domain {
        lo: -std::f64::consts::FRAC_PI_2,
        hi: std::f64::consts::FRAC_PI_2,
    };

    pub fn contains(self, x: f64) -> bool {
        self.lo < x && x < self.hi
    }
}

/// One row of the table.
#[derive(Clone, Copy)]
pub struct OpInfo {
    /// The name in rule files and S-expressions.
    pub name: &'static str,
    pub shape: ShapeRule,
    pub text: Text,
    pub latex: Latex,
    pub numpy: Numpy,
    pub kernel: Kernel,
    pub class: Class,
    /// Where an elementwise function is smooth; `None` for the other operators.
    pub domain: Option<Domain>,
    /// One line for `matcalc help language`.
    pub doc: &'static str,
}

fn s(v: f64) -> Mat {
    Mat::from_element(1, 1, v)
}

#[rustfmt::skip]
fn row(op: Op) -> OpInfo {
    use Class::*;
    use Op::*;
    use ShapeRule as R;
    let info = |name, shape, text, latex, numpy, kernel, class, doc| OpInfo {
        name, shape, text, latex, numpy, kernel, class, domain: None, doc,
    };
    let ew_in = |domain, name: &'static str, f: fn(f64) -> f64, latex, numpy, class, doc| OpInfo {
        domain: Some(domain),
        ..info(name, R::Same, Text::Call(name), latex, numpy, Kernel::Map(f), class, doc)
    };
    let ew = |name, f, latex, numpy, class, doc| ew_in(Domain::REAL, name, f, latex, numpy, class, doc);
    match op {
        Add => info("+", R::Sum, Text::Infix(" + ", Prec::Add), Latex::Infix(" + ", Prec::Add), Numpy::Infix(" + ", Prec::Add),
            Kernel::Binary(|a, b| k::add(a, b, 1.0)), Algebra, "A + B: sum (a scalar side broadcasts)"),
        Sub => info("-", R::Sum, Text::Infix(" - ", Prec::Add), Latex::Infix(" - ", Prec::Add), Numpy::Infix(" - ", Prec::Add),
            Kernel::Binary(|a, b| k::add(a, b, -1.0)), Algebra, "A - B: difference"),
        Neg => info("neg", R::Same, Text::Prefix("-"), Latex::Custom, Numpy::Custom,
            Kernel::Unary(|a| Ok(-a.clone())), Algebra, "-A: negation"),
        Mul => info("*", R::Product, Text::Infix("*", Prec::Mul), Latex::Custom, Numpy::Custom,
            Kernel::Binary(k::mul), Algebra, "A * B: matrix product; scaling when one side is a scalar"),
        HMul => info(".*", R::Broadcast, Text::Infix(" .* ", Prec::Mul), Latex::Infix(" \\circ ", Prec::Mul), Numpy::Infix("*", Prec::Mul),
            Kernel::Binary(|a, b| k::hadamard(a, b, ".*", |x, y| x * y)), Algebra, "A .* B: Hadamard (elementwise) product"),
        HDiv => info("./", R::Broadcast, Text::Infix(" ./ ", Prec::Mul), Latex::Infix(" \\oslash ", Prec::Mul), Numpy::Infix("/", Prec::Mul),
            Kernel::Binary(|a, b| k::hadamard(a, b, "./", |x, y| x / y)), Algebra, "A ./ B: elementwise quotient; A / s divides by a scalar"),
        Pow => info("^", R::Power, Text::Power("^"), Latex::Custom, Numpy::Custom,
            Kernel::Binary(k::pow), Algebra, "s ^ t: power of a scalar; X ^ k: integer power of a square matrix"),
        HPow => info(".^", R::Broadcast, Text::Power(".^"), Latex::Custom, Numpy::Infix("**", Prec::Pow),
            Kernel::Binary(k::hpow), Algebra, "A .^ s: elementwise power"),
        Trans => info("T", R::Transpose, Text::Postfix("'"), Latex::Custom, Numpy::Custom,
            Kernel::Unary(|a| Ok(a.transpose())), Algebra, "A': transpose"),
        Tr => info("tr", R::SquareToScalar, Text::Call("tr"), Latex::Call("\\operatorname{tr}"), Numpy::Call("np.trace"),
            Kernel::Unary(|a| k::trace(a).map(s)), Algebra, "tr(X): trace"),
        Det => info("det", R::SquareToScalar, Text::Call("det"), Latex::Call("\\det"), Numpy::Call("np.linalg.det"),
            Kernel::Unary(|a| k::det(a).map(s)), Algebra, "det(X): determinant"),
        LogDet => info("logdet", R::SquareToScalar, Text::Call("logdet"), Latex::Call("\\log\\det"), Numpy::Template("np.linalg.slogdet({0})[1]"),
            Kernel::Unary(|a| k::logdet(a).map(s)), Algebra, "logdet(X): log of the determinant"),
        Inv => info("inv", R::Square, Text::Call("inv"), Latex::Custom, Numpy::Call("np.linalg.inv"),
            Kernel::Unary(k::inv), Algebra, "inv(X): inverse (also X^-1)"),
        Adj => info("adj", R::Square, Text::Call("adj"), Latex::Call("\\operatorname{adj}"), Numpy::Template("(np.linalg.det({0})*np.linalg.inv({0}))"),
            Kernel::Unary(k::adj), Algebra, "adj(X): adjugate, det(X) inv(X)"),
        Kron => info("kron", R::Kron, Text::Call("kron"), Latex::Infix(" \\otimes ", Prec::Mul), Numpy::Template("np.kron({0}, {1})"),
            Kernel::Binary(k::kron), Algebra, "kron(A, B): Kronecker product"),
        Diag => info("diag", R::DiagOfColumn, Text::Call("diag"), Latex::Call("\\operatorname{diag}"), Numpy::Template("np.diagflat({0})"),
            Kernel::Unary(k::diag), Algebra, "diag(x): the diagonal matrix of a vector"),
        DiagV => info("diagv", R::DiagOfSquare, Text::Call("diag"), Latex::Call("\\operatorname{diag}"), Numpy::Template("np.diag({0}).reshape(-1, 1)"),
            Kernel::Unary(k::diagv), Algebra, "diag(X): the diagonal of a square matrix, as a vector"),
        Vec => info("vec", R::Vec, Text::Call("vec"), Latex::Call("\\operatorname{vec}"), Numpy::Template("{0}.reshape(-1, 1, order='F')"),
            Kernel::Unary(|a| Ok(k::vec(a))), Algebra, "vec(X): the columns stacked"),
        Unvec => info("unvec", R::Unvec, Text::Call("unvec"), Latex::Custom, Numpy::Custom,
            Kernel::Special, Algebra, "unvec(v, p): a column of length p*q read back as p×q (inverse of vec)"),
        Sum => info("sum", R::ToScalar, Text::Call("sum"), Latex::Call("\\operatorname{sum}"), Numpy::Call("np.sum"),
            Kernel::Unary(|a| Ok(s(a.sum()))), Algebra, "sum(X): sum of the entries"),
        Norm2 => info("norm2", R::ToScalar, Text::Call("norm2"), Latex::Template("\\left\\lVert {0} \\right\\rVert"), Numpy::Call("np.linalg.norm"),
            Kernel::Unary(|a| Ok(s(a.norm()))), Algebra, "norm2(x): Euclidean norm (Frobenius for a matrix)"),
        Norm1 => info("norm1", R::ToScalar, Text::Call("norm1"), Latex::Template("\\left\\lVert {0} \\right\\rVert_1"), Numpy::Template("np.sum(np.abs({0}))"),
            Kernel::Unary(|a| Ok(s(k::norm1_entries(a)))), NonSmooth, "norm1(x): entrywise 1-norm, sum(abs(x))"),
        LogSumExp => info("logsumexp", R::ToScalar, Text::Call("logsumexp"), Latex::Call("\\operatorname{logsumexp}"), Numpy::Template("np.log(np.sum(np.exp({0})))"),
            Kernel::Unary(|a| Ok(s(k::logsumexp(a)))), Algebra, "logsumexp(x): log(sum(exp(x)))"),
        Softmax => info("softmax", R::Column, Text::Call("softmax"), Latex::Call("\\operatorname{softmax}"), Numpy::Template("(np.exp({0})/np.sum(np.exp({0})))"),
            Kernel::Unary(k::softmax), Algebra, "softmax(x): exp(x) / sum(exp(x)) of a vector"),
        Exp => ew("exp", f64::exp, Latex::Call("\\exp"), Numpy::Call("np.exp"), Elementwise, "exp(A): elementwise exponential"),
        Log => ew_in(Domain::POSITIVE, "log", f64::ln, Latex::Call("\\log"), Numpy::Call("np.log"), Elementwise, "log(A): elementwise natural logarithm"),
        Sin => ew("sin", f64::sin, Latex::Call("\\sin"), Numpy::Call("np.sin"), Elementwise, "sin(A): elementwise sine"),
        Cos => ew("cos", f64::cos, Latex::Call("\\cos"), Numpy::Call("np.cos"), Elementwise, "cos(A): elementwise cosine"),
        Tan => ew_in(Domain::HALF_PI, "tan", f64::tan, Latex::Call("\\tan"), Numpy::Call("np.tan"), Elementwise, "tan(A): elementwise tangent"),
        Tanh => ew("tanh", f64::tanh, Latex::Call("\\tanh"), Numpy::Call("np.tanh"), Elementwise, "tanh(A): elementwise hyperbolic tangent"),
        Sinh => ew("sinh", f64::sinh, Latex::Call("\\sinh"), Numpy::Call("np.sinh"), Elementwise, "sinh(A): elementwise hyperbolic sine"),
        Cosh => ew("cosh", f64::cosh, Latex::Call("\\cosh"), Numpy::Call("np.cosh"), Elementwise, "cosh(A): elementwise hyperbolic cosine"),
        Sigmoid => ew("sigmoid", scalar::sigmoid, Latex::Call("\\sigma"), Numpy::Template("(1/(1 + np.exp(-{0})))"), Elementwise, "sigmoid(A): elementwise 1/(1 + exp(-a))"),
        Sqrt => ew_in(Domain::POSITIVE, "sqrt", f64::sqrt, Latex::Template("\\sqrt{{0}}"), Numpy::Call("np.sqrt"), Elementwise, "sqrt(A): elementwise square root"),
        Asin => ew_in(Domain::UNIT, "arcsin", f64::asin, Latex::Call("\\arcsin"), Numpy::Call("np.arcsin"), Elementwise, "arcsin(A): elementwise inverse sine"),
        Acos => ew_in(Domain::UNIT, "arccos", f64::acos, Latex::Call("\\arccos"), Numpy::Call("np.arccos"), Elementwise, "arccos(A): elementwise inverse cosine"),
        Atan => ew("arctan", f64::atan, Latex::Call("\\arctan"), Numpy::Call("np.arctan"), Elementwise, "arctan(A): elementwise inverse tangent"),
        Abs => ew("abs", f64::abs, Latex::Template("\\left| {0} \\right|"), Numpy::Call("np.abs"), NonSmooth, "abs(A): elementwise absolute value"),
        Sign => ew("sign", scalar::sign, Latex::Call("\\operatorname{sign}"), Numpy::Call("np.sign"), NonSmooth, "sign(A): elementwise sign (-1, 0, 1)"),
        Relu => ew("relu", scalar::relu, Latex::Call("\\operatorname{relu}"), Numpy::Template("np.maximum({0}, 0)"), NonSmooth, "relu(A): elementwise max(a, 0)"),
        Step => ew("step", scalar::step, Latex::Call("\\operatorname{step}"), Numpy::Template("(({0}) > 0).astype(float)"), NonSmooth, "step(A): elementwise 1 where a > 0, else 0"),
        Softplus => ew("softplus", scalar::softplus, Latex::Call("\\operatorname{softplus}"), Numpy::Template("np.logaddexp(0, {0})"), Elementwise, "softplus(A): elementwise log(1 + exp(a))"),
        D => info("d", R::Same, Text::Internal, Latex::Custom, Numpy::Custom, Kernel::Special, Calculus,
            "(d A): the differential of A"),
        Lin => info("lin", R::Lin, Text::Internal, Latex::Custom, Numpy::Custom, Kernel::Special, Calculus,
            "(lin C T): tr(C T); tr(C dX) is the canonical differential of a scalar"),
        JacV => info("jacv", R::JacVec, Text::Internal, Latex::Custom, Numpy::Custom, Kernel::Special, Calculus,
            "(jacv J T): J vec(T); J vec(dX) is the canonical differential of a vector or matrix"),
    }
}

/// The table, built once: rows in `Op::ALL` order, and names to operators.
struct Table {
    rows: Vec<OpInfo>,
    by_name: std::collections::HashMap<&'static str, Op, ShortNames>,
}

/// FNV-1a: operator names are a few bytes, and SipHash's set-up cost more than the
/// lookup (reading the built-in rules looks up thousands of them).
#[derive(Default, Clone, Copy)]
struct ShortNames;

impl std::hash::BuildHasher for ShortNames {
    type Hasher = Fnv;
    fn build_hasher(&self) -> Fnv {
        Fnv(0xcbf2_9ce4_8422_2325)
    }
}

struct Fnv(u64);

impl std::hash::Hasher for Fnv {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 = (self.0 ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3);
        }
    }
}

fn table() -> &'static Table {
    static TABLE: std::sync::OnceLock<Table> = std::sync::OnceLock::new();
    TABLE.get_or_init(|| {
        let rows: Vec<OpInfo> = Op::ALL.iter().map(|o| row(*o)).collect();
        let by_name = Op::ALL
            .iter()
            .map(|o| (rows[*o as usize].name, *o))
            .collect();
        Table { rows, by_name }
    })
}

impl Op {
    pub fn info(self) -> &'static OpInfo {
        // `Op::ALL` lists the variants in declaration order, so the index is the row.
        &table().rows[self as usize]
    }
    pub fn name(self) -> &'static str {
        self.info().name
    }
    pub fn arity(self) -> usize {
        self.info().shape.arity()
    }
    pub fn is_elementwise(self) -> bool {
        self.scalar_fn().is_some()
    }
    /// The scalar function an elementwise operator applies to each entry.
    pub fn scalar_fn(self) -> Option<fn(f64) -> f64> {
        match self.info().kernel {
            Kernel::Map(f) => Some(f),
            _ => None,
        }
    }
    /// The operator an e-graph or rule-file name stands for.
    pub fn from_name(name: &str) -> Option<Op> {
        table().by_name.get(name).copied()
    }
    /// The operators the input language writes as a call `name(…)`: two for `diag`.
    pub fn from_call(name: &str) -> Vec<Op> {
        Op::ALL
            .iter()
            .copied()
            .filter(|o| matches!(o.info().text, Text::Call(n) if n == name))
            .collect()
    }
}
