//! Random well-shaped expressions in matcalc's surface syntax (SPEC §1), with their
//! declarations and a variable to differentiate by: the inputs an outside fuzzer of the
//! tool would try. Deep trees, every operator of the language, four distinct sizes.
//!
//! Built bottom-up by shape: pick the shape wanted, then an operator that can produce it,
//! then operands of the shapes that operator needs. Every decision takes the next choice
//! (a byte); once they run out every decision takes its first option, which is always the
//! simplest (a leaf), so proptest shrinks a failing case to a small expression.
//!
//! Domain safety: the tool checks derivatives by finite differences at random points where
//! square matrices are `n*I + 0.3*noise`, symmetric ones SPD, everything else standard
//! normal. So `log`, `sqrt`, `./`, non-integer powers only see surely-positive arguments
//! (built by `pos`), `inv det logdet adj` only surely well-conditioned square terms
//! (built by `cond`), `abs sign relu step norm1` only arguments away from zero (`away`),
//! `arcsin arccos tan` only `0.5*B` with `|B| <= 1` (`bounded`), and a rough magnitude
//! level keeps `exp` (and other saturating functions) to tame arguments.
//!
//! Std and proptest, and one thing of matcalc's: its operator table. The functions above
//! are known here by hand, with their own numeric model; an elementwise function of the
//! table that is not (one added since) is generated and evaluated from its row, its
//! argument chosen by the row's domain (`TableArg`), so a new function is fuzzed the day
//! it is added.

#![allow(dead_code)]

use proptest::strategy::Strategy;

// ------------------------------------------------------------------------------------
// Public API
// ------------------------------------------------------------------------------------

/// One generated case: `matcalc derive EXPR --wrt WRT --let DECLS`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Case {
    /// The expression, possibly with `where` bindings.
    pub expr: String,
    /// Declarations of every variable used (and of no other).
    pub decls: String,
    /// A variable that occurs in `expr` and that the expression depends on.
    pub wrt: String,
    /// The real depth of the tree (leaves 0; `where` bindings counted inlined).
    pub depth: usize,
}

/// Which operator groups may appear. Always on (the language needs them): `+ - *`,
/// unary minus, `'`, `/` (by a scalar), numbers, `I`, `I(n)`, `ones(n)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OpSet {
    /// `.*` and `./`
    pub hadamard: bool,
    /// `^`: scalar power and integer matrix power
    pub power: bool,
    /// `.^`
    pub elem_power: bool,
    /// `tr det logdet`
    pub trace_det: bool,
    /// `inv adj`
    pub inverse: bool,
    /// `kron`
    pub kron: bool,
    /// `diag vec`
    pub diag_vec: bool,
    /// `sum norm2`
    pub reductions: bool,
    /// `norm1`
    pub norm1: bool,
    /// `exp log sin cos tanh sigmoid sqrt`
    pub classic: bool,
    /// `tan arcsin arccos arctan`
    pub trig: bool,
    /// `abs sign relu step`
    pub nonsmooth: bool,
    /// `softplus softmax logsumexp`
    pub ml: bool,
    /// `vector(c)` and `matrix(c)` (size inferred)
    pub fills: bool,
    /// a scalar added to a vector or matrix: `s + X`, `X - 1`
    pub broadcast: bool,
    /// `EXPR where h1 = ...; h2 = ...`
    pub bindings: bool,
    /// the elementwise functions of matcalc's table not named above (`table_funs`)
    pub table: bool,
}

impl OpSet {
    /// Everything the language has.
    pub fn all() -> Self {
        OpSet {
            hadamard: true,
            power: true,
            elem_power: true,
            trace_det: true,
            inverse: true,
            kron: true,
            diag_vec: true,
            reductions: true,
            norm1: true,
            classic: true,
            trig: true,
            nonsmooth: true,
            ml: true,
            fills: true,
            broadcast: true,
            bindings: true,
            table: true,
        }
    }

    /// The classic subset: `+ - * ' .* ./ / ^ tr det logdet inv adj kron diag vec sum
    /// norm2 exp log sin cos tanh sigmoid sqrt I ones` (no `where`, no broadcasting).
    pub fn core() -> Self {
        OpSet {
            elem_power: false,
            norm1: false,
            trig: false,
            nonsmooth: false,
            ml: false,
            fills: false,
            broadcast: false,
            bindings: false,
            table: false,
            ..OpSet::all()
        }
    }

    /// Only what is always on: `+ - * ' /`, unary minus, numbers, `I`, `ones`.
    pub fn basic() -> Self {
        OpSet {
            hadamard: false,
            power: false,
            trace_det: false,
            inverse: false,
            kron: false,
            diag_vec: false,
            reductions: false,
            classic: false,
            ..OpSet::core()
        }
    }
}

/// What to generate.
#[derive(Debug, Clone)]
pub struct GenConfig {
    /// Largest tree depth (leaves are depth 0). Meant for 0..=6.
    pub max_depth: usize,
    /// `Some(true)`: a scalar expression; `Some(false)`: a vector or matrix; `None`: either.
    pub scalar_output: Option<bool>,
    pub allow: OpSet,
}

impl Default for GenConfig {
    fn default() -> Self {
        GenConfig {
            max_depth: 4,
            scalar_output: None,
            allow: OpSet::all(),
        }
    }
}

impl GenConfig {
    pub fn new(max_depth: usize) -> Self {
        GenConfig {
            max_depth,
            ..GenConfig::default()
        }
    }
    pub fn core(max_depth: usize) -> Self {
        GenConfig {
            max_depth,
            scalar_output: None,
            allow: OpSet::core(),
        }
    }
}

/// How many choice bytes the proptest strategy draws at most (more than a depth-6 tree uses).
pub const MAX_CHOICES: usize = 1024;

/// Deterministic: every decision from the bytes, leaves once they run out.
pub fn case_from_choices(choices: &[u8], cfg: &GenConfig) -> Case {
    let mut g = Gen {
        ch: choices,
        at: 0,
        allow: cfg.allow,
        vars: Vec::new(),
        binds: Vec::new(),
    };
    g.case(cfg)
}

/// Proptest strategy over cases; shrinks towards small expressions.
pub fn case_strategy(cfg: GenConfig) -> impl Strategy<Value = Case> {
    proptest::collection::vec(proptest::num::u8::ANY, 0..MAX_CHOICES)
        .prop_map(move |choices| case_from_choices(&choices, &cfg))
}

/// For long runs outside proptest: the choices come from a SplitMix64 stream of the seed
/// (own generator, so a seed means the same case whatever the `rand` version).
pub fn case_from_seed(seed: u64, cfg: &GenConfig) -> Case {
    case_from_choices(&seed_bytes(seed, 4 * MAX_CHOICES), cfg)
}

/// Random token sequences of the language (mostly ill-formed), for no-panic tests of the
/// lexer and parser; about one in five is a well-formed case with a few mutations.
pub fn token_soup(choices: &[u8]) -> String {
    soup(choices)
}

/// The bytes `case_from_seed` uses.
pub fn seed_bytes(seed: u64, len: usize) -> Vec<u8> {
    let mut state = seed ^ 0x6d61_7463_616c_6321; // "matcalc!"
    let mut out = Vec::with_capacity(len);
    while out.len() < len {
        let z = splitmix(&mut state);
        out.extend_from_slice(&z.to_le_bytes());
    }
    out.truncate(len);
    out
}

fn splitmix(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

// ------------------------------------------------------------------------------------
// Shapes
// ------------------------------------------------------------------------------------

const DIM_NAMES: [&str; 4] = ["n", "m", "p", "q"];
const INF: usize = 1000;

/// A size: a product of the symbols `n m p q` (sorted); the empty product is 1.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Dim(Vec<u8>);

impl Dim {
    fn one() -> Dim {
        Dim(Vec::new())
    }
    fn sym(i: u8) -> Dim {
        Dim(vec![i])
    }
    fn prod(a: &Dim, b: &Dim) -> Dim {
        let mut v = a.0.clone();
        v.extend_from_slice(&b.0);
        v.sort_unstable();
        Dim(v)
    }
    fn is_one(&self) -> bool {
        self.0.is_empty()
    }
    fn simple(&self) -> bool {
        self.0.len() <= 1
    }
    fn text(&self) -> String {
        if self.0.is_empty() {
            "1".to_string()
        } else {
            self.0
                .iter()
                .map(|&i| DIM_NAMES[i as usize])
                .collect::<Vec<_>>()
                .join("*")
        }
    }
    /// Every `(a, b)` with `a*b = self`.
    fn splits(&self) -> Vec<(Dim, Dim)> {
        let k = self.0.len();
        let mut out: Vec<(Dim, Dim)> = Vec::new();
        for mask in 0..(1u32 << k) {
            let (mut a, mut b) = (Vec::new(), Vec::new());
            for i in 0..k {
                if mask >> i & 1 == 1 {
                    a.push(self.0[i]);
                } else {
                    b.push(self.0[i]);
                }
            }
            let p = (Dim(a), Dim(b));
            if !out.contains(&p) {
                out.push(p);
            }
        }
        out
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
struct Shape {
    r: Dim,
    c: Dim,
}

impl Shape {
    fn new(r: Dim, c: Dim) -> Shape {
        Shape { r, c }
    }
    fn scalar() -> Shape {
        Shape::new(Dim::one(), Dim::one())
    }
    fn col(d: &Dim) -> Shape {
        Shape::new(d.clone(), Dim::one())
    }
    fn sq(d: &Dim) -> Shape {
        Shape::new(d.clone(), d.clone())
    }
    fn is_scalar(&self) -> bool {
        self.r.is_one() && self.c.is_one()
    }
    fn is_col(&self) -> bool {
        !self.r.is_one() && self.c.is_one()
    }
    fn is_row(&self) -> bool {
        self.r.is_one() && !self.c.is_one()
    }
    fn is_square(&self) -> bool {
        !self.r.is_one() && self.r == self.c
    }
    fn is_vector_or_scalar(&self) -> bool {
        self.r.is_one() || self.c.is_one()
    }
    fn simple(&self) -> bool {
        self.r.simple() && self.c.simple()
    }
    fn t(&self) -> Shape {
        Shape::new(self.c.clone(), self.r.clone())
    }
}

// ------------------------------------------------------------------------------------
// Nodes and their text
// ------------------------------------------------------------------------------------

// Precedence, loosest first (SPEC §1).
const ADD: u8 = 1;
const MUL: u8 = 2;
const NEG: u8 = 3;
const POW: u8 = 4;
const POST: u8 = 5;
const ATOM: u8 = 6;

/// A generated subexpression and what is known about it.
#[derive(Clone, Debug)]
struct Node {
    text: String,
    prec: u8,
    /// The top is a unary minus (parenthesised as a right operand).
    neg: bool,
    depth: usize,
    /// Rough magnitude: |entries| up to about 4^level (variables 1, bounded things 0).
    level: u8,
    /// For surely-positive nodes: the level of 1/value (how close to 0 it may get).
    inv: u8,
    /// Nesting of exp-like functions not reset by a bounded function.
    expn: u8,
    /// Its size follows from itself (bare `I`, `vector(c)`, `matrix(c)` do not).
    sized: bool,
    /// Variables (bit i = vars[i]) that it really depends on.
    live: u64,
    top: &'static str,
    /// For sums and differences: the canonical text of each additive term (else empty).
    terms: Vec<String>,
}

impl Node {
    /// Canonical additive terms (signs, transposes, parentheses dropped).
    fn terms(&self) -> Vec<String> {
        if self.terms.is_empty() {
            vec![canon(&self.text)]
        } else {
            self.terms.clone()
        }
    }
}

/// Would `l ± r` risk cancelling a term (`x - (x - y)`, `S - S'`)?
fn overlap(l: &Node, r: &Node) -> bool {
    let lt = l.terms();
    r.terms().iter().any(|t| lt.contains(t))
}

fn lvl(x: u32) -> u8 {
    x.min(60) as u8
}

fn atom(text: String, top: &'static str) -> Node {
    Node {
        text,
        prec: ATOM,
        neg: false,
        depth: 0,
        level: 0,
        inv: 0,
        expn: 0,
        sized: true,
        live: 0,
        top,
        terms: Vec::new(),
    }
}

fn num(s: &str) -> Node {
    let mut n = atom(s.to_string(), "num");
    n.inv = if s == "0.5" || s == "0.1" { 1 } else { 0 };
    n
}

fn wrap(n: &Node, min: u8) -> String {
    if n.prec >= min {
        n.text.clone()
    } else {
        format!("({})", n.text)
    }
}

/// A right operand: also parenthesise a unary minus (`a - (-b)`, `a*(-b)`).
fn wrap_r(n: &Node, min: u8) -> String {
    if n.prec >= min && !n.neg {
        n.text.clone()
    } else {
        format!("({})", n.text)
    }
}

fn combine(text: String, prec: u8, top: &'static str, kids: &[&Node]) -> Node {
    Node {
        text,
        prec,
        neg: false,
        depth: 1 + kids.iter().map(|k| k.depth).max().unwrap_or(0),
        level: kids.iter().map(|k| k.level).max().unwrap_or(0),
        inv: 0,
        expn: kids.iter().map(|k| k.expn).max().unwrap_or(0),
        sized: kids.iter().all(|k| k.sized),
        live: kids.iter().fold(0, |a, k| a | k.live),
        top,
        terms: Vec::new(),
    }
}

/// `l + r`, `l - r`
fn add(op: &'static str, l: &Node, r: &Node) -> Node {
    let mut n = combine(
        format!("{} {} {}", wrap(l, ADD), op, wrap_r(r, MUL)),
        ADD,
        op,
        &[l, r],
    );
    n.sized = l.sized || r.sized;
    n.terms = l.terms();
    n.terms.extend(r.terms());
    n
}

/// `l*r`, `l/r`, `l .* r`, `l ./ r` (left-associative)
fn mul(op: &'static str, l: &Node, r: &Node) -> Node {
    let text = if op == "*" || op == "/" {
        format!("{}{}{}", wrap(l, MUL), op, wrap_r(r, POW))
    } else {
        format!("{} {} {}", wrap(l, MUL), op, wrap_r(r, POW))
    };
    let mut n = combine(text, MUL, op, &[l, r]);
    n.level = lvl(l.level as u32 + r.level as u32);
    n
}

/// `-x` (powers parenthesised too: `-(s^2)`, conservative)
fn neg(x: &Node) -> Node {
    let mut n = combine(format!("-{}", wrap(x, POST)), NEG, "neg", &[x]);
    n.neg = true;
    n.terms = x.terms();
    n.sized = x.sized;
    n
}

/// `x'`
fn tr(x: &Node) -> Node {
    let mut n = combine(format!("{}'", wrap(x, POST)), POST, "'", &[x]);
    n.sized = x.sized;
    n.terms = x.terms();
    n
}

/// `b^e`, `b .^ e` (both sides atoms or postfix, conservative)
fn pow(op: &'static str, b: &Node, e: &Node) -> Node {
    let text = if op == "^" {
        format!("{}^{}", wrap(b, POST), wrap(e, POST))
    } else {
        format!("{} .^ {}", wrap(b, POST), wrap(e, POST))
    };
    let mut n = combine(text, POW, op, &[b, e]);
    n.sized = b.sized;
    n
}

fn call(f: &'static str, args: &[&Node]) -> Node {
    let text = format!(
        "{}({})",
        f,
        args.iter()
            .map(|a| a.text.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    );
    let mut n = combine(text, ATOM, f, args);
    n.sized = true;
    n
}

/// Elementwise call: keeps its argument's (lack of) size.
fn ecall(f: &'static str, x: &Node) -> Node {
    let mut n = call(f, &[x]);
    n.sized = x.sized;
    n
}

/// Text with transposes, parentheses, minus signs and spaces dropped: two operands equal
/// up to these would cancel (`S - S'`, `x + (-x)`).
fn canon(t: &str) -> String {
    t.chars()
        .filter(|c| !matches!(c, '\'' | '(' | ')' | '-' | ' '))
        .collect()
}

// ------------------------------------------------------------------------------------
// Variables and bindings
// ------------------------------------------------------------------------------------

const SCALARS: [&str; 3] = ["s", "t", "u"];
const VECTORS: [&str; 8] = ["x", "y", "z", "a", "b", "c", "v", "w"];
// No `N M P Q`: too close to the size symbols `n m p q`; no `E`, `I`, `O`, and no `K`
// (the commutation matrix is built in).
const MATRICES: [&str; 12] = ["A", "B", "C", "D", "F", "G", "H", "J", "L", "X", "Y", "Z"];
const SYMMETRIC: [&str; 6] = ["S", "R", "T", "U", "V", "W"];
const BIND_NAMES: [&str; 2] = ["h1", "h2"];

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Scalar,
    Vector,
    Matrix,
    Symmetric,
}

#[derive(Clone, Debug)]
struct Var {
    name: String,
    kind: Kind,
    shape: Shape,
}

impl Var {
    fn decl(&self) -> String {
        match self.kind {
            Kind::Scalar => format!("{}: scalar", self.name),
            Kind::Vector => format!("{}: vector({})", self.name, self.shape.r.text()),
            Kind::Symmetric => format!("{}: symmetric({})", self.name, self.shape.r.text()),
            Kind::Matrix => format!(
                "{}: matrix({},{})",
                self.name,
                self.shape.r.text(),
                self.shape.c.text()
            ),
        }
    }
}

#[derive(Clone, Debug)]
struct Bind {
    name: &'static str,
    def: String,
    shape: Shape,
    node: Node,
}

// ------------------------------------------------------------------------------------
// The generator
// ------------------------------------------------------------------------------------

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum F {
    Exp,
    Log,
    Sin,
    Cos,
    Tanh,
    Sigmoid,
    Sqrt,
    Tan,
    Arcsin,
    Arccos,
    Arctan,
    Abs,
    Sign,
    Relu,
    Step,
    Softplus,
    /// An elementwise function of matcalc's table that is not one of the above, and how
    /// its argument is chosen.
    Table(matcalc::Op, TableArg),
}

/// How the argument of a table-only function is chosen, from its row's domain.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum TableArg {
    /// Smooth everywhere: a tame argument, as for `exp` (its growth is unknown).
    Tame,
    /// Smooth for positive entries: a surely-positive argument.
    Positive,
    /// Smooth on an interval around `[-1/2, 1/2]`: `0.5*B` with `|B| <= 1`.
    Bounded,
    /// Not smooth at 0: an argument away from zero.
    Away,
}

impl TableArg {
    /// `None` for a domain this generator cannot keep to (it then never offers the
    /// function, and the reachability test says so).
    fn of(op: matcalc::Op) -> Option<TableArg> {
        let info = op.info();
        let d = info.domain?;
        let real = d.lo == f64::NEG_INFINITY && d.hi == f64::INFINITY;
        Some(if info.class == matcalc::Class::NonSmooth && real {
            TableArg::Away
        } else if real {
            TableArg::Tame
        } else if d.lo == 0.0 && d.hi == f64::INFINITY {
            TableArg::Positive
        } else if d.lo < -0.5 && d.hi > 0.5 {
            TableArg::Bounded
        } else {
            return None;
        })
    }
}

/// The elementwise functions of matcalc's table that `FUNS` does not list.
fn table_funs() -> Vec<F> {
    matcalc::Op::ALL
        .iter()
        .copied()
        .filter(|op| op.is_elementwise() && !FUNS.iter().any(|f| f.name() == op.name()))
        .filter_map(|op| TableArg::of(op).map(|arg| F::Table(op, arg)))
        .collect()
}

const FUNS: [F; 16] = [
    F::Exp,
    F::Log,
    F::Sin,
    F::Cos,
    F::Tanh,
    F::Sigmoid,
    F::Sqrt,
    F::Tan,
    F::Arcsin,
    F::Arccos,
    F::Arctan,
    F::Abs,
    F::Sign,
    F::Relu,
    F::Step,
    F::Softplus,
];

impl F {
    fn name(self) -> &'static str {
        match self {
            F::Exp => "exp",
            F::Log => "log",
            F::Sin => "sin",
            F::Cos => "cos",
            F::Tanh => "tanh",
            F::Sigmoid => "sigmoid",
            F::Sqrt => "sqrt",
            F::Tan => "tan",
            F::Arcsin => "arcsin",
            F::Arccos => "arccos",
            F::Arctan => "arctan",
            F::Abs => "abs",
            F::Sign => "sign",
            F::Relu => "relu",
            F::Step => "step",
            F::Softplus => "softplus",
            F::Table(op, _) => op.name(),
        }
    }
    fn allowed(self, a: &OpSet) -> bool {
        match self {
            F::Exp | F::Log | F::Sin | F::Cos | F::Tanh | F::Sigmoid | F::Sqrt => a.classic,
            F::Tan | F::Arcsin | F::Arccos | F::Arctan => a.trig,
            F::Abs | F::Sign | F::Relu | F::Step => a.nonsmooth,
            F::Softplus => a.ml,
            F::Table(..) => a.table,
        }
    }
    fn weight(self) -> u32 {
        match self {
            F::Exp | F::Log | F::Tanh | F::Sigmoid => 3,
            F::Sin | F::Cos | F::Sqrt | F::Softplus => 2,
            _ => 1,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Op {
    Leaf,
    Add,
    Sub,
    Neg,
    MatMul,
    SMul,
    SDiv,
    Trans,
    Had,
    HadDiv,
    Fun(F),
    EPowInt,
    EPowHalf,
    EPowVar,
    Bcast,
    Kron,
    SPowInt,
    SPowHalf,
    SPowVar,
    SPowNum,
    MPow,
    Tr,
    Det,
    Logdet,
    Inv,
    Adj,
    Sum,
    Norm2,
    Norm1,
    Lse,
    DiagM,
    DiagV,
    Vec,
    Softmax,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum PosF {
    Num,
    Ones,
    Exp,
    Sigmoid,
    SqrtExp,
    Softplus,
    Sq,
    Shift,
    Det,
    TrSpd,
    NormPlus,
    SumPos,
    SqPow,
    Sum,
    Prod,
    Div,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum BoundF {
    Tanh,
    Sin,
    Cos,
    Sigmoid,
    Softmax,
    Ratio,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum AwayF {
    Pos,
    NegPos,
    ShiftNeg,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum CondF {
    Var,
    Kron,
    Gram,
    GramS,
    Near,
    Diag,
    Trans,
    Inv,
    Scale,
    Mul,
    Pow,
    AddSpd,
}

struct Gen<'a> {
    ch: &'a [u8],
    at: usize,
    allow: OpSet,
    vars: Vec<Var>,
    binds: Vec<Bind>,
}

type Mark = (usize, usize);

impl<'a> Gen<'a> {
    // ---- choices ----------------------------------------------------------------

    fn byte(&mut self) -> u8 {
        let b = self.ch.get(self.at).copied().unwrap_or(0);
        self.at += 1;
        b
    }

    /// The next choice in `0..k`; 0 once the choices are used up.
    fn pick(&mut self, k: usize) -> usize {
        if k <= 1 {
            return 0;
        }
        self.byte() as usize % k
    }

    /// A weighted choice; the first item once the choices are used up.
    fn weighted<T: Copy>(&mut self, items: &[(u32, T)]) -> T {
        assert!(!items.is_empty());
        if items.len() == 1 {
            return items[0].1;
        }
        let total: u32 = items.iter().map(|x| x.0).sum();
        let r = self.byte() as u32 * total / 256;
        let mut acc = 0;
        for &(w, t) in items {
            acc += w;
            if r < acc {
                return t;
            }
        }
        items[items.len() - 1].1
    }

    fn choose<T: Clone>(&mut self, items: &[T]) -> T {
        let i = self.pick(items.len());
        items[i].clone()
    }

    fn mark(&self) -> Mark {
        (self.vars.len(), self.binds.len())
    }

    /// Forget the variables and bindings made since `m` (their text was dropped).
    fn rollback(&mut self, m: Mark) {
        self.vars.truncate(m.0);
        self.binds.truncate(m.1);
    }

    fn dim(&mut self) -> Dim {
        Dim::sym(self.pick(4) as u8)
    }

    /// A size for a free operand: mostly a symbol, sometimes 1 or a product.
    fn dim_ext(&mut self, with_one: bool) -> Dim {
        let products = self.allow.kron || self.allow.diag_vec;
        let mut items = vec![(6u32, 0u8), (4, 1), (3, 2), (3, 3)];
        if with_one {
            items.push((4, 4));
        }
        if products {
            items.push((1, 5));
        }
        match self.weighted(&items) {
            4 => Dim::one(),
            5 => {
                let (a, b) = (self.dim(), self.dim());
                Dim::prod(&a, &b)
            }
            i => Dim::sym(i),
        }
    }

    /// A shape for a free operand (`sum`, `norm2`, ...) satisfying `ok`.
    fn free_shape(&mut self, ok: &dyn Fn(&Gen, &Shape) -> bool) -> Shape {
        let r = self.dim_ext(true);
        let c = self.dim_ext(true);
        let sh = Shape::new(r, c);
        if ok(self, &sh) {
            return sh;
        }
        let n = Dim::sym(0);
        let m = Dim::sym(1);
        for sh in [
            Shape::col(&n),
            Shape::sq(&n),
            Shape::new(n.clone(), m.clone()),
            Shape::new(Dim::one(), n.clone()),
            Shape::scalar(),
        ] {
            if ok(self, &sh) {
                return sh;
            }
        }
        Shape::scalar()
    }

    // ---- minimum depths ---------------------------------------------------------

    /// Least depth of any expression of this shape (a row vector is `x'`, a product
    /// size needs `kron` or `vec`).
    fn md(&self, sh: &Shape) -> usize {
        if sh.simple() {
            return if sh.is_row() { 1 } else { 0 };
        }
        let mut best = INF;
        if self.allow.kron {
            for (r1, r2) in sh.r.splits() {
                for (c1, c2) in sh.c.splits() {
                    let f1 = Shape::new(r1.clone(), c1.clone());
                    let f2 = Shape::new(r2.clone(), c2.clone());
                    if f1.is_scalar() || f2.is_scalar() {
                        continue;
                    }
                    best = best.min(1 + self.md(&f1).max(self.md(&f2)));
                }
            }
        }
        if self.allow.diag_vec && sh.is_col() && sh.r.0.len() == 2 {
            let x = Shape::new(Dim::sym(sh.r.0[0]), Dim::sym(sh.r.0[1]));
            best = best.min(1 + self.md(&x));
        }
        if sh.is_row() {
            best = best.min(1 + self.md(&sh.t()));
        }
        best
    }

    fn tamer_available(&self) -> bool {
        self.allow.classic || self.allow.trig
    }

    /// Least depth of an expression of this shape with level at most `cap`.
    fn tame_min(&self, sh: &Shape, cap: u8) -> usize {
        let m = self.md(sh);
        let minimal_level = if sh.simple() { 1 } else { 2 };
        if minimal_level <= cap || !self.tamer_available() {
            m
        } else {
            m + 1
        }
    }

    fn fill_min(&self, sh: &Shape, c: &str) -> usize {
        if sh.is_scalar() || self.allow.broadcast || (self.allow.fills && !sh.is_row()) {
            return 0;
        }
        if sh.is_col() {
            if c == "1" {
                0
            } else {
                1
            }
        } else if sh.is_row() {
            if c == "1" {
                1
            } else {
                2
            }
        } else {
            2
        }
    }

    fn pos_min(&self, sh: &Shape) -> usize {
        self.pos_forms(sh).iter().map(|x| x.2).min().unwrap_or(INF)
    }

    fn bounded_min(&self, sh: &Shape) -> usize {
        self.bounded_forms(sh)
            .iter()
            .map(|x| x.2)
            .min()
            .unwrap_or(INF)
    }

    fn away_min(&self, sh: &Shape) -> usize {
        self.away_forms(sh).iter().map(|x| x.2).min().unwrap_or(INF)
    }

    fn cond_min(&self, d: &Dim, spd: bool) -> usize {
        self.cond_forms(d, spd)
            .iter()
            .map(|x| x.2)
            .min()
            .unwrap_or(INF)
    }

    /// Least depth of `E` in `E'*E` (E is k×d) or `E*E'` (E is d×k).
    fn gram_emin(&self, d: &Dim) -> usize {
        let mut best = INF;
        for k in [
            Dim::one(),
            Dim::sym(0),
            Dim::sym(1),
            Dim::sym(2),
            Dim::sym(3),
        ] {
            best = best.min(self.md(&Shape::new(k.clone(), d.clone())));
            best = best.min(self.md(&Shape::new(d.clone(), k)));
        }
        best
    }

    fn inner_dims(&self) -> Vec<Dim> {
        vec![
            Dim::sym(0),
            Dim::sym(1),
            Dim::sym(2),
            Dim::sym(3),
            Dim::one(),
        ]
    }

    fn matmul_min(&self, sh: &Shape) -> usize {
        self.inner_dims()
            .iter()
            .map(|k| {
                1 + self
                    .md(&Shape::new(sh.r.clone(), k.clone()))
                    .max(self.md(&Shape::new(k.clone(), sh.c.clone())))
            })
            .min()
            .unwrap_or(INF)
    }

    /// Ways to write `sh` as `kron(f1, f2)` (one of them may be a scalar).
    fn kron_splits(&self, sh: &Shape) -> Vec<(Shape, Shape)> {
        let mut out = Vec::new();
        for (r1, r2) in sh.r.splits() {
            for (c1, c2) in sh.c.splits() {
                out.push((
                    Shape::new(r1.clone(), c1.clone()),
                    Shape::new(r2.clone(), c2.clone()),
                ));
            }
        }
        out.retain(|(a, b)| !(a.is_scalar() && b.is_scalar()));
        out
    }

    fn kron_cost(&self, s: &(Shape, Shape)) -> usize {
        1 + self.md(&s.0).max(self.md(&s.1))
    }

    /// Operands of `vec(X)` giving a column of size d.
    fn vec_args(&self, d: &Dim) -> Vec<Shape> {
        let mut v = vec![Shape::col(d), Shape::new(Dim::one(), d.clone())];
        if d.0.len() == 2 {
            let (a, b) = (Dim::sym(d.0[0]), Dim::sym(d.0[1]));
            v.push(Shape::new(a.clone(), b.clone()));
            if a != b {
                v.push(Shape::new(b, a));
            }
        }
        v
    }

    fn fun_argmin(&self, f: F, sh: &Shape) -> usize {
        match f {
            F::Exp => self.tame_min(sh, 1),
            F::Tanh | F::Sigmoid | F::Softplus => self.tame_min(sh, 2),
            F::Sin | F::Cos => self.tame_min(sh, 3),
            F::Log | F::Sqrt => self.pos_min(sh),
            F::Tan | F::Arcsin | F::Arccos => 1 + self.bounded_min(sh),
            F::Arctan => self.md(sh),
            F::Abs | F::Sign => self.away_min(sh),
            F::Relu | F::Step => self.pos_min(sh),
            F::Table(_, arg) => match arg {
                TableArg::Tame => self.tame_min(sh, 1),
                TableArg::Positive => self.pos_min(sh),
                TableArg::Bounded => 1 + self.bounded_min(sh),
                TableArg::Away => self.away_min(sh),
            },
        }
    }

    // ---- the forms of each requirement, with their least depths -------------------

    fn any_ops(&self, sh: &Shape, b: usize) -> Vec<(u32, Op)> {
        let a = self.allow;
        let md = self.md(sh);
        let mut v = vec![(14, Op::Leaf)];
        if b < md + 1 {
            return v;
        }
        let sc = sh.is_scalar();
        v.push((8, Op::Add));
        v.push((5, Op::Sub));
        v.push((3, Op::Neg));
        if self.matmul_min(sh) <= b {
            v.push((if sc { 8 } else { 10 }, Op::MatMul));
        }
        if !sc {
            v.push((4, Op::SMul));
        }
        v.push((3, Op::SDiv));
        if !sc && self.md(&sh.t()) < b {
            v.push((4, Op::Trans));
        }
        if a.hadamard {
            v.push((4, Op::Had));
            if md.max(self.pos_min(sh)) < b {
                v.push((3, Op::HadDiv));
            }
        }
        for f in FUNS.into_iter().chain(table_funs()) {
            if f.allowed(&a) && self.fun_argmin(f, sh) < b {
                v.push((f.weight(), Op::Fun(f)));
            }
        }
        if a.elem_power && !sc {
            v.push((1, Op::EPowInt));
            if self.pos_min(sh) < b {
                v.push((1, Op::EPowHalf));
                v.push((1, Op::EPowVar));
            }
        }
        if a.broadcast && !sc {
            v.push((3, Op::Bcast));
        }
        if a.kron && !sc && self.kron_splits(sh).iter().any(|s| self.kron_cost(s) <= b) {
            v.push((3, Op::Kron));
        }
        if a.power && sc {
            v.push((2, Op::SPowInt));
            v.push((1, Op::SPowHalf));
            v.push((1, Op::SPowVar));
            v.push((1, Op::SPowNum));
        }
        if a.power && sh.is_square() {
            v.push((3, Op::MPow));
        }
        if sc {
            if a.trace_det {
                v.push((5, Op::Tr));
                v.push((3, Op::Det));
                v.push((3, Op::Logdet));
            }
            if a.reductions {
                v.push((4, Op::Sum));
                v.push((3, Op::Norm2));
            }
            if a.norm1 {
                v.push((2, Op::Norm1));
            }
            if a.ml {
                v.push((2, Op::Lse));
            }
        }
        if a.inverse && sh.is_square() && self.cond_min(&sh.r, false) < b {
            v.push((3, Op::Inv));
            v.push((2, Op::Adj));
        }
        if a.diag_vec {
            if sh.is_square() && self.md(&Shape::col(&sh.r)) < b {
                v.push((3, Op::DiagM));
            }
            if sh.is_col() {
                if self.md(&Shape::sq(&sh.r)) < b {
                    v.push((3, Op::DiagV));
                }
                if self.vec_args(&sh.r).iter().any(|x| self.md(x) < b) {
                    v.push((2, Op::Vec));
                }
            }
        }
        if a.ml && sh.is_col() && self.tame_min(sh, 2) < b {
            v.push((3, Op::Softmax));
        }
        v
    }

    fn pos_forms(&self, sh: &Shape) -> Vec<(u32, PosF, usize)> {
        let a = self.allow;
        let md = self.md(sh);
        let sc = sh.is_scalar();
        let mut v = Vec::new();
        if sc {
            v.push((5, PosF::Num, 0));
        }
        if sh.is_col() {
            v.push((2, PosF::Ones, 0));
        }
        if a.classic {
            v.push((6, PosF::Exp, 1 + self.tame_min(sh, 1)));
            v.push((3, PosF::Sigmoid, 1 + self.tame_min(sh, 2)));
            v.push((1, PosF::SqrtExp, 2 + self.tame_min(sh, 1)));
        }
        if a.ml {
            v.push((3, PosF::Softplus, 1 + self.tame_min(sh, 2)));
        }
        if sc {
            v.push((5, PosF::Sq, 2));
        } else if a.hadamard {
            v.push((5, PosF::Sq, 1 + (1 + md).max(self.fill_min(sh, "1"))));
        }
        let bm = self.bounded_min(sh);
        if bm < INF {
            v.push((3, PosF::Shift, 1 + bm.max(self.fill_min(sh, "2"))));
        }
        if sc {
            if a.trace_det {
                v.push((2, PosF::Det, 1));
                v.push((2, PosF::TrSpd, 1));
            }
            if a.reductions {
                v.push((2, PosF::NormPlus, 2));
                v.push((2, PosF::SumPos, 1));
            }
            if a.power {
                v.push((2, PosF::SqPow, 2));
            }
        }
        let base = v.iter().map(|x| x.2).min().unwrap_or(INF);
        if base < INF {
            v.push((2, PosF::Sum, base + 1));
            if sc || a.hadamard {
                v.push((2, PosF::Prod, base + 1));
                v.push((1, PosF::Div, base + 1));
            }
        }
        v
    }

    fn bounded_forms(&self, sh: &Shape) -> Vec<(u32, BoundF, usize)> {
        let a = self.allow;
        let md = self.md(sh);
        let mut v = Vec::new();
        if a.classic {
            v.push((3, BoundF::Tanh, 1 + self.tame_min(sh, 2)));
            v.push((3, BoundF::Sin, 1 + self.tame_min(sh, 3)));
            v.push((2, BoundF::Cos, 1 + self.tame_min(sh, 3)));
            v.push((2, BoundF::Sigmoid, 1 + self.tame_min(sh, 2)));
        }
        if a.ml && sh.is_col() {
            v.push((2, BoundF::Softmax, 1 + self.tame_min(sh, 2)));
        }
        if sh.is_scalar() {
            v.push((1, BoundF::Ratio, 3));
        } else if a.hadamard {
            v.push((1, BoundF::Ratio, 2 + (md + 1).max(self.fill_min(sh, "1"))));
        }
        v
    }

    fn away_forms(&self, sh: &Shape) -> Vec<(u32, AwayF, usize)> {
        let p = self.pos_min(sh);
        let mut v = Vec::new();
        if p < INF {
            v.push((4, AwayF::Pos, p));
            v.push((2, AwayF::NegPos, p + 1));
        }
        let bm = self.bounded_min(sh);
        if bm < INF {
            v.push((2, AwayF::ShiftNeg, 1 + bm.max(self.fill_min(sh, "2"))));
        }
        v
    }

    fn cond_forms(&self, d: &Dim, spd: bool) -> Vec<(u32, CondF, usize)> {
        let a = self.allow;
        let sq = Shape::sq(d);
        let mut v = Vec::new();
        if d.simple() {
            v.push((8, CondF::Var, 0));
        } else if a.kron && d.0.len() == 2 {
            let (d1, d2) = (Dim::sym(d.0[0]), Dim::sym(d.0[1]));
            v.push((
                6,
                CondF::Kron,
                1 + self.cond_min(&d1, spd).max(self.cond_min(&d2, spd)),
            ));
        }
        let ge = self.gram_emin(d);
        v.push((3, CondF::Gram, 3 + ge));
        if d.simple() {
            v.push((2, CondF::GramS, 3 + ge));
        }
        if !spd {
            let bm = self.bounded_min(&sq);
            if bm < INF {
                v.push((3, CondF::Near, 2 + bm));
            }
        }
        if a.diag_vec {
            v.push((2, CondF::Diag, 1 + self.pos_min(&Shape::col(d))));
        }
        let base = v.iter().map(|x| x.2).min().unwrap_or(INF);
        if base < INF {
            v.push((2, CondF::Trans, base + 1));
            if a.inverse {
                v.push((2, CondF::Inv, base + 1));
            }
            v.push((2, CondF::Scale, base + 1));
            if !spd {
                v.push((3, CondF::Mul, base + 1));
            }
            if a.power {
                v.push((2, CondF::Pow, base + 1));
            }
        }
        if spd && base < INF {
            v.push((2, CondF::AddSpd, base + 1));
        } else if !spd {
            let sb = self.cond_forms_spd_base(d);
            if sb < INF {
                v.push((1, CondF::AddSpd, sb + 1));
            }
        }
        v
    }

    fn cond_forms_spd_base(&self, d: &Dim) -> usize {
        // the non-recursive SPD forms only (avoids recursing into cond_forms)
        let mut best = INF;
        if d.simple() {
            best = 0;
        } else if self.allow.kron && d.0.len() == 2 {
            best = 1;
        }
        best = best.min(3 + self.gram_emin(d));
        if self.allow.diag_vec {
            best = best.min(1 + self.pos_min(&Shape::col(d)));
        }
        best
    }

    // ---- variables and leaves ---------------------------------------------------

    fn var(&mut self, kind: Kind, shape: &Shape) -> Node {
        let existing: Vec<usize> = (0..self.vars.len())
            .filter(|&i| self.vars[i].kind == kind && self.vars[i].shape == *shape)
            .collect();
        let pool: &[&'static str] = match kind {
            Kind::Scalar => &SCALARS,
            Kind::Vector => &VECTORS,
            Kind::Matrix => &MATRICES,
            Kind::Symmetric => &SYMMETRIC,
        };
        let taken = |g: &Gen, n: &str| g.vars.iter().any(|v| v.name == n);
        // The pool, then A1, A2, ... once it is used up.
        let fresh = match pool.iter().find(|n| !taken(self, n)) {
            Some(n) => n.to_string(),
            None => (1..)
                .map(|k| format!("{}{}", pool[0], k))
                .find(|n| !taken(self, n))
                .unwrap(),
        };
        let idx = if existing.is_empty() {
            None
        } else {
            let k = self.pick(2 * existing.len() + 1);
            if k < 2 * existing.len() {
                Some(existing[k / 2])
            } else {
                None
            }
        };
        let i = match idx {
            Some(i) => i,
            None => {
                self.vars.push(Var {
                    name: fresh,
                    kind,
                    shape: shape.clone(),
                });
                self.vars.len() - 1
            }
        };
        let mut n = atom(self.vars[i].name.clone(), "var");
        n.level = 1;
        n.live = 1u64 << (i % 64);
        n
    }

    fn square_var(&mut self, d: &Dim, spd_only: bool) -> (Node, bool) {
        let sym = spd_only || self.pick(3) == 2;
        let sh = Shape::sq(d);
        if sym {
            (self.var(Kind::Symmetric, &sh), true)
        } else {
            (self.var(Kind::Matrix, &sh), false)
        }
    }

    /// A variable-based expression of this shape, at its least depth.
    fn minimal(&mut self, sh: &Shape) -> Node {
        if sh.simple() {
            if sh.is_scalar() {
                return self.var(Kind::Scalar, sh);
            }
            if sh.is_col() {
                return self.var(Kind::Vector, sh);
            }
            if sh.is_row() {
                let v = self.var(Kind::Vector, &sh.t());
                return tr(&v);
            }
            if sh.is_square() {
                return self.square_var(&sh.r, false).0;
            }
            return self.var(Kind::Matrix, sh);
        }
        let target = self.md(sh);
        // 0: kron split, 1: vec, 2: transpose of a column
        let mut opts: Vec<(u32, (u8, usize))> = Vec::new();
        if self.allow.kron {
            let splits = self.kron_splits(sh);
            for (i, s) in splits.iter().enumerate() {
                if !s.0.is_scalar() && !s.1.is_scalar() && self.kron_cost(s) == target {
                    opts.push((3, (0, i)));
                }
            }
        }
        if self.allow.diag_vec && sh.is_col() && sh.r.0.len() == 2 {
            opts.push((2, (1, 0)));
        }
        if sh.is_row() && 1 + self.md(&sh.t()) == target {
            opts.push((2, (2, 0)));
        }
        match self.weighted(&opts) {
            (0, i) => {
                let s = self.kron_splits(sh)[i].clone();
                let a = self.minimal(&s.0);
                let b = self.minimal(&s.1);
                let mut n = call("kron", &[&a, &b]);
                n.level = lvl(a.level as u32 + b.level as u32);
                n
            }
            (1, _) => {
                let x = Shape::new(Dim::sym(sh.r.0[0]), Dim::sym(sh.r.0[1]));
                let a = self.minimal(&x);
                call("vec", &[&a])
            }
            _ => {
                let a = self.minimal(&sh.t());
                tr(&a)
            }
        }
    }

    fn const_leaf(&mut self, sh: &Shape, sized: bool) -> Option<Node> {
        if sh.is_scalar() {
            return Some(num(self.choose(&["2", "0.5", "3"])));
        }
        if sh.is_col() {
            if !sized && self.allow.fills && self.pick(2) == 1 {
                let c = self.choose(&["2", "0.5", "3"]);
                let mut n = atom(format!("vector({c})"), "fill");
                n.sized = false;
                return Some(n);
            }
            return Some(atom(format!("ones({})", sh.r.text()), "ones"));
        }
        if sh.is_row() {
            let o = atom(format!("ones({})", sh.c.text()), "ones");
            return Some(tr(&o));
        }
        if sh.is_square() {
            if !sized && self.pick(2) == 1 {
                let mut n = atom("I".to_string(), "I");
                n.sized = false;
                return Some(n);
            }
            return Some(atom(format!("I({})", sh.r.text()), "I"));
        }
        if !sized && self.allow.fills {
            let c = self.choose(&["2", "0.5", "3"]);
            let mut n = atom(format!("matrix({c})"), "fill");
            n.sized = false;
            return Some(n);
        }
        None
    }

    fn leaf(&mut self, sh: &Shape, b: usize, sized: bool) -> Node {
        let binds: Vec<usize> = (0..self.binds.len())
            .filter(|&i| self.binds[i].shape == *sh && self.binds[i].node.depth <= b)
            .collect();
        let mut opts = vec![(12u32, 0u8)];
        if !binds.is_empty() {
            opts.push((6, 1));
        }
        let has_const = sh.is_vector_or_scalar() || sh.is_square() || (!sized && self.allow.fills);
        if has_const {
            opts.push((2, 2));
        }
        match self.weighted(&opts) {
            1 => {
                let i = binds[self.pick(binds.len())];
                let bd = &self.binds[i];
                let mut n = bd.node.clone();
                n.text = bd.name.to_string();
                n.prec = ATOM;
                n.neg = false;
                n.top = "bind";
                n
            }
            2 => match self.const_leaf(sh, sized) {
                Some(n) => n,
                None => self.minimal(sh),
            },
            _ => self.minimal(sh),
        }
    }

    // ---- numbers and fills --------------------------------------------------------

    /// The constant `c` of shape `sh`, at most `b` deep, next to a sized sibling (so it
    /// may be a bare number when scalars broadcast, or `vector(c)`/`matrix(c)`).
    fn fill(&mut self, sh: &Shape, c: &'static str, b: usize) -> Node {
        if sh.is_scalar() {
            return num(c);
        }
        let sized_depth = if sh.is_col() {
            if c == "1" {
                0
            } else {
                1
            }
        } else if sh.is_row() {
            if c == "1" {
                1
            } else {
                2
            }
        } else {
            2
        };
        let mut opts = Vec::new();
        if sized_depth <= b {
            opts.push((3u32, 2u8));
        }
        if self.allow.broadcast {
            opts.push((3, 0));
        }
        if self.allow.fills && !sh.is_row() {
            opts.push((2, 1));
        }
        match self.weighted(&opts) {
            0 => num(c),
            1 => {
                let f = if sh.is_col() { "vector" } else { "matrix" };
                let mut n = atom(format!("{f}({c})"), "fill");
                n.sized = false;
                n
            }
            _ => {
                let base = if sh.is_col() {
                    atom(format!("ones({})", sh.r.text()), "ones")
                } else if sh.is_row() {
                    tr(&atom(format!("ones({})", sh.c.text()), "ones"))
                } else {
                    let l = atom(format!("ones({})", sh.r.text()), "ones");
                    let r = tr(&atom(format!("ones({})", sh.c.text()), "ones"));
                    if c != "1" {
                        let s = mul("*", &num(c), &l);
                        let mut n = mul("*", &s, &r);
                        n.level = 0;
                        return n;
                    }
                    let mut n = mul("*", &l, &r);
                    n.level = 0;
                    return n;
                };
                if c == "1" {
                    base
                } else {
                    let mut n = mul("*", &num(c), &base);
                    n.level = 0;
                    n
                }
            }
        }
    }

    // ---- the general generator --------------------------------------------------

    fn any(&mut self, sh: &Shape, b: usize, sized: bool) -> Node {
        self.gen_any(sh, b, sized, false)
    }

    fn gen_any(&mut self, sh: &Shape, b: usize, sized: bool, root: bool) -> Node {
        let md = self.md(sh);
        debug_assert!(md <= b, "shape {:?} needs depth {} > {}", sh, md, b);
        if self.allow.bindings
            && !root
            && self.binds.len() < 2
            && b >= 2
            && b > md
            && self.pick(12) == 1
        {
            let mut node = self.dispatch(sh, b, true);
            if node.depth >= 1 && node.top != "bind" && node.live != 0 && self.binds.len() < 2 {
                // a reference keeps the terms of its definition (so `h1 - sin(x)` with
                // `h1 = sin(x)` counts as cancelling)
                node.terms = node.terms();
                let name = BIND_NAMES[self.binds.len()];
                self.binds.push(Bind {
                    name,
                    def: node.text.clone(),
                    shape: sh.clone(),
                    node: node.clone(),
                });
                let mut n = node;
                n.text = name.to_string();
                n.prec = ATOM;
                n.neg = false;
                n.top = "bind";
                return n;
            }
            return node;
        }
        self.dispatch_at(sh, b, sized, root)
    }

    fn dispatch(&mut self, sh: &Shape, b: usize, sized: bool) -> Node {
        self.dispatch_at(sh, b, sized, false)
    }

    fn dispatch_at(&mut self, sh: &Shape, b: usize, sized: bool, root: bool) -> Node {
        let mut ops = self.any_ops(sh, b);
        if root && ops.len() > 1 {
            ops.retain(|o| o.1 != Op::Leaf); // the whole expression is not a bare leaf
        }
        let op = self.weighted(&ops);
        let n = self.build(op, sh, b, sized);
        debug_assert!(
            n.depth <= b,
            "{:?} at {:?} gave depth {} > {}: {}",
            op,
            sh,
            n.depth,
            b,
            n.text
        );
        n
    }

    fn build(&mut self, op: Op, sh: &Shape, b: usize, sized: bool) -> Node {
        let cb = b.saturating_sub(1);
        let scalar = Shape::scalar();
        match op {
            Op::Leaf => self.leaf(sh, b, sized),
            Op::Add | Op::Sub => {
                let l = self.any(sh, cb, sized);
                let m = self.mark();
                let mut r = self.any(sh, cb, sized && !l.sized);
                if overlap(&l, &r) {
                    // a shared term could cancel: try another right operand, then give up on it
                    self.rollback(m);
                    r = self.any(sh, cb, sized && !l.sized);
                    if overlap(&l, &r) {
                        self.rollback(m);
                        return add("+", &l, &l);
                    }
                }
                let mut n = add(if op == Op::Add { "+" } else { "-" }, &l, &r);
                n.level = l.level.max(r.level);
                n
            }
            Op::Neg => {
                let x = self.any(sh, cb, sized);
                neg(&x)
            }
            Op::MatMul => {
                let ks: Vec<Dim> = self
                    .inner_dims()
                    .into_iter()
                    .filter(|k| {
                        self.md(&Shape::new(sh.r.clone(), k.clone())) <= cb
                            && self.md(&Shape::new(k.clone(), sh.c.clone())) <= cb
                    })
                    .collect();
                let k = self.choose(&ks);
                let l = self.any(&Shape::new(sh.r.clone(), k.clone()), cb, true);
                let r = self.any(&Shape::new(k, sh.c.clone()), cb, true);
                if r.text == format!("inv({})", l.text) || l.text == format!("inv({})", r.text) {
                    return mul("*", &l, &l); // X*inv(X) would be constant
                }
                mul("*", &l, &r)
            }
            Op::SMul => {
                let s = self.any(&scalar, cb, true);
                let e = self.any(sh, cb, sized);
                let mut n = if self.pick(3) == 2 {
                    mul("*", &e, &s)
                } else {
                    mul("*", &s, &e)
                };
                n.sized = e.sized;
                n
            }
            Op::SDiv => {
                let e = self.any(sh, cb, sized);
                let p = self.pos(&scalar, cb);
                if canon(&e.text) == canon(&p.text) {
                    let mut n = mul("*", &e, &p);
                    n.sized = e.sized;
                    return n;
                }
                let mut n = mul("/", &e, &p);
                n.level = lvl(e.level as u32 + p.inv as u32);
                n.sized = e.sized;
                n
            }
            Op::Trans => {
                let x = self.any(&sh.t(), cb, sized);
                tr(&x)
            }
            Op::Had => {
                let l = self.any(sh, cb, sized);
                let r = self.any(sh, cb, sized && !l.sized);
                let mut n = mul(".*", &l, &r);
                n.sized = l.sized || r.sized;
                n
            }
            Op::HadDiv => {
                let e = self.any(sh, cb, false);
                let p = self.pos(sh, cb);
                if canon(&e.text) == canon(&p.text) {
                    let mut n = mul(".*", &e, &p);
                    n.sized = true;
                    return n;
                }
                let mut n = mul("./", &e, &p);
                n.level = lvl(e.level as u32 + p.inv as u32);
                n.sized = true;
                n
            }
            Op::Fun(f) => self.build_fun(f, sh, cb, sized),
            Op::EPowInt => {
                let e = self.any(sh, cb, sized);
                let k = self.choose(&["2", "3"]);
                let mut n = pow(".^", &e, &num(k));
                n.level = lvl(e.level as u32 * if k == "2" { 2 } else { 3 });
                n
            }
            Op::EPowHalf => {
                let p = self.pos(sh, cb);
                let mut n = pow(".^", &p, &num("0.5"));
                n.level = p.level.div_ceil(2);
                n
            }
            Op::EPowVar => {
                let p = self.pos(sh, cb);
                if p.expn >= 2 {
                    let mut n = pow(".^", &p, &num("0.5"));
                    n.level = p.level.div_ceil(2);
                    return n;
                }
                let t = self.exponent(cb);
                let mut n = pow(".^", &p, &t);
                n.level = lvl(3 * p.level.max(p.inv) as u32);
                n.expn = p.expn.max(t.expn) + 1;
                n
            }
            Op::Bcast => {
                let s = self.any(&scalar, cb, true);
                let e = self.any(sh, cb, true);
                let mut n = match self.pick(4) {
                    0 => add("+", &s, &e),
                    1 => add("+", &e, &s),
                    2 => add("-", &e, &s),
                    _ => add("-", &s, &e),
                };
                n.sized = true;
                n
            }
            Op::Kron => {
                let splits: Vec<(Shape, Shape)> = self
                    .kron_splits(sh)
                    .into_iter()
                    .filter(|s| self.kron_cost(s) <= b)
                    .collect();
                let (s1, s2) = self.choose(&splits);
                let x = self.any(&s1, cb, true);
                let y = self.any(&s2, cb, true);
                let mut n = call("kron", &[&x, &y]);
                n.level = lvl(x.level as u32 + y.level as u32);
                n
            }
            Op::SPowInt => {
                let e = self.any(&scalar, cb, true);
                let k = self.choose(&["2", "3"]);
                let mut n = pow("^", &e, &num(k));
                n.level = lvl(e.level as u32 * if k == "2" { 2 } else { 3 });
                n
            }
            Op::SPowHalf => {
                let p = self.pos(&scalar, cb);
                let mut n = pow("^", &p, &num("0.5"));
                n.level = p.level.div_ceil(2);
                n
            }
            Op::SPowVar => {
                let p = self.pos(&scalar, cb);
                if p.expn >= 2 {
                    let mut n = pow("^", &p, &num("0.5"));
                    n.level = p.level.div_ceil(2);
                    return n;
                }
                let t = self.exponent(cb);
                let mut n = pow("^", &p, &t);
                n.level = lvl(3 * p.level.max(p.inv) as u32);
                n.expn = p.expn.max(t.expn) + 1;
                n
            }
            Op::SPowNum => {
                let t = self.exponent(cb);
                let base = num(self.choose(&["2", "0.5", "3"]));
                let mut n = pow("^", &base, &t);
                n.level = 2;
                n.expn = t.expn + 1;
                n
            }
            Op::MPow => {
                let x = self.any(sh, cb, true);
                let k = self.choose(&["2", "3", "4"]);
                let mut n = pow("^", &x, &num(k));
                n.level = lvl(x.level as u32 * k.parse::<u32>().unwrap());
                n
            }
            Op::Tr => {
                let d = self.square_dim(&|g: &Gen, d: &Dim| g.md(&Shape::sq(d)) <= cb);
                let x = self.any(&Shape::sq(&d), cb, true);
                let mut n = call("tr", &[&x]);
                n.level = lvl(x.level as u32 + 1);
                n
            }
            Op::Det | Op::Logdet => {
                let d = self.square_dim(&|g: &Gen, d: &Dim| g.cond_min(d, false) <= cb);
                let (w, _) = self.cond(&d, false, cb);
                if op == Op::Det {
                    let mut n = call("det", &[&w]);
                    n.level = lvl(4 * w.level.max(1) as u32);
                    n
                } else {
                    let mut n = call("logdet", &[&w]);
                    n.level = 2 + w.level / 4;
                    n.expn = 0;
                    n
                }
            }
            Op::Inv | Op::Adj => {
                let (w, _) = self.cond(&sh.r, false, cb);
                if op == Op::Inv {
                    let mut n = call("inv", &[&w]);
                    n.level = 1;
                    n
                } else {
                    let mut n = call("adj", &[&w]);
                    n.level = lvl(4 * w.level.max(1) as u32);
                    n
                }
            }
            Op::Sum | Op::Norm2 => {
                let shape = self.free_shape(&|g: &Gen, s: &Shape| g.md(s) <= cb);
                let m = self.mark();
                let e = self.any(&shape, cb, true);
                let e = if op == Op::Norm2 && e.live == 0 {
                    // norm2 of a constant could be norm2 of 0: use a variable instead
                    self.rollback(m);
                    self.minimal(&shape)
                } else {
                    e
                };
                let f = if op == Op::Sum && e.top != "softmax" {
                    "sum"
                } else {
                    "norm2"
                };
                let mut n = call(f, &[&e]);
                n.level = lvl(e.level as u32 + 1);
                n
            }
            Op::Norm1 => {
                let shape = self.free_shape(&|g: &Gen, s: &Shape| g.away_min(s) <= cb);
                let (e, _) = self.away(&shape, cb);
                let mut n = call("norm1", &[&e]);
                n.level = lvl(e.level as u32 + 1);
                n
            }
            Op::Lse => {
                let shape =
                    self.free_shape(&|g: &Gen, s: &Shape| !s.is_scalar() && g.tame_min(s, 2) <= cb);
                let t = self.tame(&shape, cb, 2, false, true);
                let mut n = call("logsumexp", &[&t]);
                n.level = t.level.max(1);
                n
            }
            Op::DiagM => {
                let v = self.any(&Shape::col(&sh.r), cb, true);
                call("diag", &[&v])
            }
            Op::DiagV => {
                let x = self.any(&Shape::sq(&sh.r), cb, true);
                call("diag", &[&x])
            }
            Op::Vec => {
                let args: Vec<Shape> = self
                    .vec_args(&sh.r)
                    .into_iter()
                    .filter(|x| self.md(x) <= cb)
                    .collect();
                let x = self.choose(&args);
                let e = self.any(&x, cb, true);
                call("vec", &[&e])
            }
            Op::Softmax => {
                let t = self.tame(sh, cb, 2, false, true);
                let mut n = call("softmax", &[&t]);
                n.level = 0;
                n.expn = 0;
                n
            }
        }
    }

    /// A square size (mostly a symbol, sometimes a product) satisfying `ok`.
    fn square_dim(&mut self, ok: &dyn Fn(&Gen, &Dim) -> bool) -> Dim {
        let d = self.dim_ext(false);
        if ok(self, &d) {
            return d;
        }
        Dim::sym(0)
    }

    /// `f(arg)` with the argument `f` needs; `cb` is the argument's budget.
    fn build_fun(&mut self, f: F, sh: &Shape, cb: usize, sized: bool) -> Node {
        let name = f.name();
        match f {
            F::Exp => {
                let t = self.tame(sh, cb, 1, true, sized);
                let mut n = ecall(name, &t);
                n.level = t.level + 1;
                n.expn = t.expn + 1;
                n
            }
            F::Tanh | F::Sigmoid | F::Sin | F::Cos => {
                let cap = if matches!(f, F::Sin | F::Cos) { 3 } else { 2 };
                let t = self.tame(sh, cb, cap, false, sized);
                let mut n = ecall(name, &t);
                n.level = 0;
                n.expn = 0;
                n
            }
            F::Softplus => {
                let t = self.tame(sh, cb, 2, false, sized);
                let mut n = ecall(name, &t);
                n.level = t.level.max(1);
                n
            }
            F::Log => {
                let p = self.pos(sh, cb);
                // log(ones(n)) is 0, which would make things like norm2(kron(s, 0)) singular
                let name = if p.top == "ones" { "sqrt" } else { name };
                let mut n = ecall(name, &p);
                n.level = 1 + p.level.max(p.inv) / 3;
                n.expn = p.expn.saturating_sub(1);
                n
            }
            F::Sqrt => {
                let p = self.pos(sh, cb);
                let mut n = ecall(name, &p);
                n.level = p.level.div_ceil(2);
                n
            }
            F::Tan | F::Arcsin | F::Arccos => {
                let bb = self.bounded(sh, cb - 1);
                let h = mul("*", &num("0.5"), &bb);
                let mut n = ecall(name, &h);
                n.level = if f == F::Arccos { 1 } else { 0 };
                n.expn = 0;
                n
            }
            F::Arctan => {
                let x = self.any(sh, cb, sized);
                let mut n = ecall(name, &x);
                n.level = 0;
                n.expn = 0;
                n
            }
            F::Abs | F::Sign | F::Relu | F::Step => {
                // relu and step only of positive arguments: of negative ones they would be
                // identically 0, and a zero subterm makes e.g. norm2 singular
                let (a, _) = if matches!(f, F::Relu | F::Step) {
                    (self.pos(sh, cb), true)
                } else {
                    self.away(sh, cb)
                };
                let mut n = ecall(name, &a);
                let dead = matches!(f, F::Sign | F::Step);
                if dead {
                    n.live = 0;
                    n.level = 0;
                    n.expn = 0;
                }
                n
            }
            F::Table(op, arg) => self.build_table_fun(op, arg, sh, cb, sized),
        }
    }

    /// A table-only function: its argument by its domain, and its value's magnitude
    /// assumed to grow as `exp`'s does (nothing else is known of it).
    fn build_table_fun(
        &mut self,
        op: matcalc::Op,
        arg: TableArg,
        sh: &Shape,
        cb: usize,
        sized: bool,
    ) -> Node {
        let name = op.name();
        match arg {
            TableArg::Tame => {
                let t = self.tame(sh, cb, 1, true, sized);
                let mut n = ecall(name, &t);
                n.level = t.level + 1;
                n.expn = t.expn + 1;
                n
            }
            TableArg::Positive => {
                let p = self.pos(sh, cb);
                let mut n = ecall(name, &p);
                n.level = p.level + 1;
                n.expn = p.expn + 1;
                n
            }
            TableArg::Bounded => {
                let bb = self.bounded(sh, cb - 1);
                let h = mul("*", &num("0.5"), &bb);
                let mut n = ecall(name, &h);
                n.level = 1;
                n.expn = 1;
                n
            }
            TableArg::Away => {
                let (a, _) = self.away(sh, cb);
                let mut n = ecall(name, &a);
                n.level = a.level + 1;
                n.expn = a.expn + 1;
                n
            }
        }
    }

    /// An exponent for `p^t`: a number, a scalar variable, or a tame scalar expression.
    fn exponent(&mut self, b: usize) -> Node {
        match self.weighted(&[(3u32, 0u8), (3, 1), (3, 2)]) {
            0 => self.var(Kind::Scalar, &Shape::scalar()),
            1 => num(self.choose(&["2", "0.5", "3"])),
            _ => self.tame(&Shape::scalar(), b, 1, true, true),
        }
    }

    // ---- tame arguments ---------------------------------------------------------

    /// An expression of level at most `cap` (and, for exp-like uses, with `exp` nested at
    /// most once inside), at most `b` deep.
    fn tame(&mut self, sh: &Shape, b: usize, cap: u8, explike: bool, sized: bool) -> Node {
        let ok = |n: &Node| n.level <= cap && (!explike || n.expn <= 1);
        if !self.tamer_available() {
            return self.any(sh, b, sized);
        }
        let m = self.mark();
        let e = self.any(sh, b, sized);
        if ok(&e) {
            return e;
        }
        if e.depth < b {
            return self.tamer(e);
        }
        self.rollback(m);
        if b > self.md(sh) {
            let e = self.any(sh, b - 1, sized);
            if ok(&e) {
                e
            } else {
                self.tamer(e)
            }
        } else {
            self.minimal(sh)
        }
    }

    /// A bounded function of `e` (one level deeper): `arctan`, `sin`, `cos`, `tanh`.
    fn tamer(&mut self, e: Node) -> Node {
        let a = self.allow;
        let mut opts: Vec<(u32, &'static str)> = Vec::new();
        if a.trig {
            opts.push((3, "arctan"));
        }
        if a.classic && e.level <= 4 {
            opts.push((3, "sin"));
            opts.push((2, "cos"));
        }
        if a.classic && (opts.is_empty() || e.level <= 2) {
            opts.push((1, "tanh"));
        }
        let f = self.weighted(&opts);
        let mut n = ecall(f, &e);
        n.level = 0;
        n.expn = 0;
        n
    }

    // ---- surely positive ----------------------------------------------------------

    /// An expression whose entries are surely positive (with margin), at most `b` deep.
    fn pos(&mut self, sh: &Shape, b: usize) -> Node {
        let forms: Vec<(u32, PosF)> = self
            .pos_forms(sh)
            .into_iter()
            .filter(|x| x.2 <= b)
            .map(|x| (x.0, x.1))
            .collect();
        let f = self.weighted(&forms);
        let n = self.build_pos(f, sh, b);
        debug_assert!(
            n.depth <= b,
            "pos {:?} {:?} depth {} > {}: {}",
            f,
            sh,
            n.depth,
            b,
            n.text
        );
        n
    }

    fn build_pos(&mut self, f: PosF, sh: &Shape, b: usize) -> Node {
        let scalar = Shape::scalar();
        match f {
            PosF::Num => num(self.choose(&["2", "0.5", "3"])),
            PosF::Ones => atom(format!("ones({})", sh.r.text()), "ones"),
            PosF::Exp => {
                let t = self.tame(sh, b - 1, 1, true, true);
                let mut n = call("exp", &[&t]);
                n.level = t.level + 1;
                n.inv = t.level + 1;
                n.expn = t.expn + 1;
                n
            }
            PosF::Sigmoid | PosF::Softplus => {
                let t = self.tame(sh, b - 1, 2, false, true);
                let name = if f == PosF::Sigmoid {
                    "sigmoid"
                } else {
                    "softplus"
                };
                let mut n = call(name, &[&t]);
                n.level = if f == PosF::Sigmoid {
                    0
                } else {
                    t.level.max(1)
                };
                n.inv = t.level + 1;
                if f == PosF::Sigmoid {
                    n.expn = 0;
                }
                n
            }
            PosF::SqrtExp => {
                let t = self.tame(sh, b - 2, 1, true, true);
                let mut e = call("exp", &[&t]);
                e.expn = t.expn + 1;
                let mut n = call("sqrt", &[&e]);
                n.level = 1;
                n.inv = 1;
                n
            }
            PosF::Sq => {
                let e = self.any(sh, b - 2, true);
                let c = self.choose(&["1", "2", "0.5"]);
                let (sq, fill) = if sh.is_scalar() {
                    (mul("*", &e, &e), num(c))
                } else {
                    let sq = mul(".*", &e, &e);
                    let fill = self.fill(sh, c, b - 1);
                    (sq, fill)
                };
                let mut n = if self.pick(2) == 0 {
                    add("+", &fill, &sq)
                } else {
                    add("+", &sq, &fill)
                };
                n.level = lvl(2 * e.level as u32);
                n.inv = if c == "0.5" { 1 } else { 0 };
                n.sized = true;
                n
            }
            PosF::Shift => {
                let bb = self.bounded(sh, b - 1);
                let c = self.choose(&["2", "3"]);
                let fill = self.fill(sh, c, b - 1);
                let mut n = match self.pick(3) {
                    0 => add("+", &fill, &bb),
                    1 => add("+", &bb, &fill),
                    _ => add("-", &fill, &bb),
                };
                n.level = 1;
                n.inv = 0;
                n.sized = true;
                n
            }
            PosF::Det => {
                let d = self.dim();
                let (w, _) = self.cond(&d, false, b - 1);
                let mut n = call("det", &[&w]);
                n.level = lvl(4 * w.level.max(1) as u32);
                n.inv = 4;
                n
            }
            PosF::TrSpd => {
                let d = self.dim();
                let (w, _) = self.cond(&d, true, b - 1);
                let mut n = call("tr", &[&w]);
                n.level = lvl(w.level as u32 + 1);
                n.inv = 1;
                n
            }
            PosF::NormPlus => {
                let shape = self.free_shape(&|g: &Gen, s: &Shape| g.md(s) + 2 <= b);
                let m = self.mark();
                let e = self.any(&shape, b - 2, true);
                let e = if e.live == 0 {
                    self.rollback(m);
                    self.minimal(&shape)
                } else {
                    e
                };
                let nn = call("norm2", &[&e]);
                let c = num(self.choose(&["1", "0.5", "2"]));
                let mut n = if self.pick(2) == 0 {
                    add("+", &nn, &c)
                } else {
                    add("+", &c, &nn)
                };
                n.level = lvl(e.level as u32 + 1);
                n.inv = 1;
                n
            }
            PosF::SumPos => {
                let shape = self.free_shape(&|g: &Gen, s: &Shape| g.pos_min(s) < b);
                let p = self.pos(&shape, b - 1);
                let mut n = call("sum", &[&p]);
                n.level = lvl(p.level as u32 + 1);
                n.inv = p.inv;
                n
            }
            PosF::SqPow => {
                let e = self.any(&scalar, b - 2, true);
                let sq = pow("^", &e, &num("2"));
                let c = num(self.choose(&["1", "2"]));
                let mut n = add("+", &sq, &c);
                n.level = lvl(2 * e.level as u32);
                n.inv = 0;
                n
            }
            PosF::Sum | PosF::Prod | PosF::Div => {
                let p1 = self.pos(sh, b - 1);
                let p2 = self.pos(sh, b - 1);
                let sc = sh.is_scalar();
                let mut n = match f {
                    PosF::Sum => {
                        let mut n = add("+", &p1, &p2);
                        n.level = p1.level.max(p2.level);
                        n.inv = p1.inv.min(p2.inv);
                        n
                    }
                    PosF::Prod => {
                        let mut n = mul(if sc { "*" } else { ".*" }, &p1, &p2);
                        n.inv = lvl(p1.inv as u32 + p2.inv as u32);
                        n
                    }
                    _ => {
                        if canon(&p1.text) == canon(&p2.text) {
                            let mut n = mul(if sc { "*" } else { ".*" }, &p1, &p2);
                            n.inv = lvl(p1.inv as u32 + p2.inv as u32);
                            n
                        } else {
                            let mut n = mul(if sc { "/" } else { "./" }, &p1, &p2);
                            n.level = lvl(p1.level as u32 + p2.inv as u32);
                            n.inv = lvl(p1.inv as u32 + p2.level as u32);
                            n
                        }
                    }
                };
                n.sized = true;
                n
            }
        }
    }

    // ---- bounded by 1 -------------------------------------------------------------

    /// An expression with every entry in [-1, 1], at most `b` deep.
    fn bounded(&mut self, sh: &Shape, b: usize) -> Node {
        let forms: Vec<(u32, BoundF)> = self
            .bounded_forms(sh)
            .into_iter()
            .filter(|x| x.2 <= b)
            .map(|x| (x.0, x.1))
            .collect();
        let f = self.weighted(&forms);
        let mut n = match f {
            BoundF::Tanh | BoundF::Sin | BoundF::Cos | BoundF::Sigmoid | BoundF::Softmax => {
                let (name, cap) = match f {
                    BoundF::Tanh => ("tanh", 2),
                    BoundF::Sin => ("sin", 3),
                    BoundF::Cos => ("cos", 3),
                    BoundF::Sigmoid => ("sigmoid", 2),
                    _ => ("softmax", 2),
                };
                let t = self.tame(sh, b - 1, cap, false, true);
                call(name, &[&t])
            }
            BoundF::Ratio => {
                // e ./ (1 + e .* e), |.| <= 1/2
                let e = self.any(sh, b - 3, true);
                let (sq, fill) = if sh.is_scalar() {
                    (mul("*", &e, &e), num("1"))
                } else {
                    let sq = mul(".*", &e, &e);
                    let fill = self.fill(sh, "1", b - 2);
                    (sq, fill)
                };
                let den = add("+", &fill, &sq);
                mul(if sh.is_scalar() { "/" } else { "./" }, &e, &den)
            }
        };
        n.level = 0;
        n.expn = 0;
        n.sized = true;
        debug_assert!(n.depth <= b);
        n
    }

    // ---- away from zero -----------------------------------------------------------

    /// Entries surely away from 0: `(node, true)` if positive, `(node, false)` if negative.
    fn away(&mut self, sh: &Shape, b: usize) -> (Node, bool) {
        let forms: Vec<(u32, AwayF)> = self
            .away_forms(sh)
            .into_iter()
            .filter(|x| x.2 <= b)
            .map(|x| (x.0, x.1))
            .collect();
        match self.weighted(&forms) {
            AwayF::Pos => (self.pos(sh, b), true),
            AwayF::NegPos => {
                let p = self.pos(sh, b - 1);
                (neg(&p), false)
            }
            AwayF::ShiftNeg => {
                let bb = self.bounded(sh, b - 1);
                let c = self.choose(&["2", "3"]);
                let fill = self.fill(sh, c, b - 1);
                let mut n = add("-", &bb, &fill);
                n.level = 1;
                n.sized = true;
                (n, false)
            }
        }
    }

    // ---- well-conditioned square --------------------------------------------------

    /// A surely well-conditioned d×d term with positive determinant; `(node, is_spd)`.
    fn cond(&mut self, d: &Dim, spd: bool, b: usize) -> (Node, bool) {
        let forms: Vec<(u32, CondF)> = self
            .cond_forms(d, spd)
            .into_iter()
            .filter(|x| x.2 <= b)
            .map(|x| (x.0, x.1))
            .collect();
        let f = self.weighted(&forms);
        let (n, s) = self.build_cond(f, d, spd, b);
        debug_assert!(
            n.depth <= b,
            "cond {:?} depth {} > {}: {}",
            f,
            n.depth,
            b,
            n.text
        );
        (n, s)
    }

    fn build_cond(&mut self, f: CondF, d: &Dim, spd: bool, b: usize) -> (Node, bool) {
        let sq = Shape::sq(d);
        match f {
            CondF::Var => self.square_var(d, spd),
            CondF::Kron => {
                let (d1, d2) = (Dim::sym(d.0[0]), Dim::sym(d.0[1]));
                let (w1, s1) = self.cond(&d1, spd, b - 1);
                let (w2, s2) = self.cond(&d2, spd, b - 1);
                let mut n = call("kron", &[&w1, &w2]);
                n.level = lvl(w1.level as u32 + w2.level as u32);
                (n, s1 && s2)
            }
            CondF::Gram | CondF::GramS => {
                // E'*E (E k×d) or E*E' (E d×k): positive semidefinite
                let mut opts: Vec<(Dim, bool)> = Vec::new();
                for k in self.inner_dims() {
                    if self.md(&Shape::new(k.clone(), d.clone())) + 3 <= b {
                        opts.push((k.clone(), true));
                    }
                    if self.md(&Shape::new(d.clone(), k.clone())) + 3 <= b {
                        opts.push((k, false));
                    }
                }
                let (k, tfirst) = self.choose(&opts);
                let e = if tfirst {
                    self.any(&Shape::new(k, d.clone()), b - 3, true)
                } else {
                    self.any(&Shape::new(d.clone(), k), b - 3, true)
                };
                let et = tr(&e);
                let mut gram = if tfirst {
                    mul("*", &et, &e)
                } else {
                    mul("*", &e, &et)
                };
                gram.level = lvl(2 * e.level as u32);
                let other = if f == CondF::Gram {
                    if self.pick(2) == 0 {
                        atom("I".into(), "I")
                    } else {
                        atom(format!("I({})", d.text()), "I")
                    }
                } else {
                    self.square_var(d, true).0
                };
                let mut n = if self.pick(2) == 0 {
                    add("+", &gram, &other)
                } else {
                    add("+", &other, &gram)
                };
                n.level = gram.level.max(1);
                n.sized = true;
                (n, true)
            }
            CondF::Near => {
                let bb = self.bounded(&sq, b - 2);
                let small = mul("*", &num("0.1"), &bb);
                let i = if self.pick(2) == 0 {
                    atom("I".into(), "I")
                } else {
                    atom(format!("I({})", d.text()), "I")
                };
                let mut n = if self.pick(3) == 2 {
                    add("+", &small, &i)
                } else {
                    add("+", &i, &small)
                };
                n.level = 1;
                n.sized = true;
                (n, false)
            }
            CondF::Diag => {
                let p = self.pos(&Shape::col(d), b - 1);
                let mut n = call("diag", &[&p]);
                n.level = p.level;
                (n, true)
            }
            CondF::Trans => {
                let (w, s) = self.cond(d, spd, b - 1);
                (tr(&w), s)
            }
            CondF::Inv => {
                let (w, s) = self.cond(d, spd, b - 1);
                let mut n = call("inv", &[&w]);
                n.level = 1;
                (n, s)
            }
            CondF::Scale => {
                let p = self.pos(&Shape::scalar(), b - 1);
                let (w, s) = self.cond(d, spd, b - 1);
                let n = if self.pick(2) == 0 {
                    mul("*", &p, &w)
                } else {
                    mul("*", &w, &p)
                };
                (n, s)
            }
            CondF::Mul => {
                let (w1, _) = self.cond(d, false, b - 1);
                let (w2, _) = self.cond(d, false, b - 1);
                (mul("*", &w1, &w2), false)
            }
            CondF::Pow => {
                let (w, s) = self.cond(d, spd, b - 1);
                let k = self.choose(&["2", "3", "4"]);
                let mut n = pow("^", &w, &num(k));
                n.level = lvl(w.level as u32 * k.parse::<u32>().unwrap());
                (n, s)
            }
            CondF::AddSpd => {
                let (w1, _) = self.cond(d, true, b - 1);
                let (w2, _) = self.cond(d, true, b - 1);
                let mut n = add("+", &w1, &w2);
                n.level = w1.level.max(w2.level);
                (n, true)
            }
        }
    }

    // ---- the case -----------------------------------------------------------------

    fn root_shape(&mut self, cfg: &GenConfig) -> Shape {
        let scalar = match cfg.scalar_output {
            Some(s) => s,
            None => self.pick(5) < 2,
        };
        if scalar {
            return Shape::scalar();
        }
        let (d1, d2) = (self.dim(), self.dim());
        let sh = match self.weighted(&[(3u32, 0u8), (3, 1), (3, 2), (1, 3)]) {
            0 => Shape::col(&d1),
            1 => Shape::sq(&d1),
            2 if d1 != d2 => Shape::new(d1, d2),
            2 => Shape::new(d1, Dim::sym((d2.0[0] + 1) % 4)),
            _ => Shape::new(Dim::one(), d1),
        };
        if self.md(&sh) > cfg.max_depth {
            Shape::col(&sh.c.clone().max(sh.r.clone()))
        } else {
            sh
        }
    }

    fn case(&mut self, cfg: &GenConfig) -> Case {
        let sh = self.root_shape(cfg);
        for _ in 0..4 {
            self.vars.clear();
            self.binds.clear();
            let root = self.gen_any(&sh, cfg.max_depth, true, true);
            if root.live == 0 {
                continue;
            }
            if let Some(c) = self.finish(&root) {
                return c;
            }
        }
        // rare: four tries came out constant (or outside the domain at the check point)
        self.vars.clear();
        self.binds.clear();
        let root = self.minimal(&sh);
        self.finish(&root).expect("a bare variable is a valid case")
    }

    /// The case for this root: text, declarations of the names it uses, and a variable
    /// it really depends on (numerically, see `check_case`); `None` if there is none.
    fn finish(&mut self, root: &Node) -> Option<Case> {
        // Keep only the bindings and variables the text refers to.
        let mut used_binds = vec![false; self.binds.len()];
        let mut texts: Vec<&str> = vec![root.text.as_str()];
        let mut changed = true;
        while changed {
            changed = false;
            let ids: Vec<String> = texts.iter().flat_map(|t| identifiers(t)).collect();
            for (i, bd) in self.binds.iter().enumerate() {
                if !used_binds[i] && ids.iter().any(|x| x == bd.name) {
                    used_binds[i] = true;
                    texts.push(bd.def.as_str());
                    changed = true;
                }
            }
        }
        let ids: Vec<String> = texts.iter().flat_map(|t| identifiers(t)).collect();
        let decls: Vec<String> = self
            .vars
            .iter()
            .filter(|v| ids.contains(&v.name))
            .map(|v| v.decl())
            .collect();
        let decls = decls.join("; ");

        let mut expr = root.text.clone();
        let defs: Vec<String> = self
            .binds
            .iter()
            .enumerate()
            .filter(|(i, _)| used_binds[*i])
            .map(|(_, bd)| format!("{} = {}", bd.name, bd.def))
            .collect();
        if !defs.is_empty() {
            expr = format!("{} where {}", expr, defs.join("; "));
        }

        // Evaluate once; keep the structurally live variables the value really moves with.
        let prog = numeric::parse(&expr).ok()?;
        let parsed = numeric::parse_decls(&decls).ok()?;
        let point = numeric::Point::new(&parsed, 0x5eed);
        let f0 = numeric::eval_prog(&prog, &point.values).ok()?;
        let live: Vec<usize> = (0..self.vars.len())
            .filter(|&i| root.live >> (i % 64) & 1 == 1)
            .filter(|&i| {
                matches!(
                    numeric::depends(&prog, &point, &self.vars[i].name, &f0),
                    Ok(true)
                )
            })
            .collect();
        if live.is_empty() {
            return None;
        }

        // The variable of differentiation: a kind first, then a variable of it.
        let mut kinds: Vec<Kind> = Vec::new();
        for &i in &live {
            if !kinds.contains(&self.vars[i].kind) {
                kinds.push(self.vars[i].kind);
            }
        }
        let kind = kinds[self.pick(kinds.len())];
        let of_kind: Vec<usize> = live
            .iter()
            .copied()
            .filter(|&i| self.vars[i].kind == kind)
            .collect();
        let wi = of_kind[self.pick(of_kind.len())];
        let wrt = self.vars[wi].name.clone();
        Some(Case {
            expr,
            decls,
            wrt,
            depth: root.depth,
        })
    }
}

/// Names in an expression text that are not function names (followed by `(`) or keywords.
pub fn identifiers(text: &str) -> Vec<String> {
    let cs: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < cs.len() {
        if cs[i].is_ascii_alphabetic() || cs[i] == '_' {
            let s = i;
            while i < cs.len() && (cs[i].is_ascii_alphanumeric() || cs[i] == '_') {
                i += 1;
            }
            let word: String = cs[s..i].iter().collect();
            let mut j = i;
            while j < cs.len() && cs[j] == ' ' {
                j += 1;
            }
            let is_call = j < cs.len() && cs[j] == '(';
            if is_call && matches!(word.as_str(), "ones" | "I" | "eye") {
                // sizes, not names: skip to the closing parenthesis
                while j < cs.len() && cs[j] != ')' {
                    j += 1;
                }
                i = j;
            } else if !is_call && word != "I" && word != "where" {
                out.push(word);
            }
        } else if cs[i].is_ascii_digit() || cs[i] == '.' {
            // numbers like 0.5 or 1e3: skip the digits and an exponent letter
            i += 1;
            while i < cs.len() && (cs[i].is_ascii_digit() || cs[i] == '.' || cs[i] == 'e') {
                i += 1;
            }
        } else {
            i += 1;
        }
    }
    out
}

// ------------------------------------------------------------------------------------
// A numeric check: parse the text as SPEC §1 says and evaluate it
// ------------------------------------------------------------------------------------

/// Parse `case.expr` with SPEC §1's grammar and precedence, evaluate it at sizes
/// n=3, m=4, p=2, q=5 and at a point like the tool's (square matrices `d*I + 0.3*noise`,
/// symmetric ones SPD, the rest standard normal), with domain margins (log and sqrt of
/// positive values, abs/sign/relu/step away from 0, arcsin/arccos inside (-1, 1), inv of
/// non-singular, logdet of positive determinant, norm2 away from 0, ...), and check that
/// perturbing `wrt` changes the value. `Ok` means: well-formed, well-shaped, defined with
/// margin there, and not constant in `wrt`.
pub fn check_case(case: &Case) -> Result<(), String> {
    let prog = numeric::parse(&case.expr)?;
    let decls = numeric::parse_decls(&case.decls)?;
    let point = numeric::Point::new(&decls, 0x5eed);
    let f0 = numeric::eval_prog(&prog, &point.values)?;
    if !decls.iter().any(|d| d.0 == case.wrt) {
        return Err(format!("wrt {} is not declared", case.wrt));
    }
    match numeric::depends(&prog, &point, &case.wrt, &f0) {
        Ok(true) => Ok(()),
        Ok(false) => Err(format!("constant in {}", case.wrt)),
        Err(e) => Err(format!("perturbing {}: {e}", case.wrt)),
    }
}

mod numeric {
    use std::collections::HashMap;
    use std::rc::Rc;

    pub const SIZES: [usize; 4] = [3, 4, 2, 5]; // n m p q

    // ---- lexer and parser ---------------------------------------------------------

    #[derive(Clone, Debug, PartialEq)]
    enum Tok {
        Num(f64),
        Name(String),
        Op(&'static str),
    }

    fn lex(s: &str) -> Result<Vec<Tok>, String> {
        let cs: Vec<char> = s.chars().collect();
        let mut out = Vec::new();
        let mut i = 0;
        while i < cs.len() {
            let c = cs[i];
            if c == ' ' {
                i += 1;
            } else if c.is_ascii_digit()
                || (c == '.' && i + 1 < cs.len() && cs[i + 1].is_ascii_digit())
            {
                let st = i;
                while i < cs.len() && (cs[i].is_ascii_digit() || cs[i] == '.') {
                    // `2.*x` would be `2 .* x`; the generator spaces those, so a '.' here is a decimal point
                    i += 1;
                }
                let t: String = cs[st..i].iter().collect();
                out.push(Tok::Num(t.parse().map_err(|_| format!("bad number {t}"))?));
            } else if c.is_ascii_alphabetic() || c == '_' {
                let st = i;
                while i < cs.len() && (cs[i].is_ascii_alphanumeric() || cs[i] == '_') {
                    i += 1;
                }
                out.push(Tok::Name(cs[st..i].iter().collect()));
            } else {
                let two: String = cs[i..(i + 2).min(cs.len())].iter().collect();
                let op = match two.as_str() {
                    ".*" => Some(".*"),
                    "./" => Some("./"),
                    ".^" => Some(".^"),
                    _ => None,
                };
                if let Some(op) = op {
                    out.push(Tok::Op(op));
                    i += 2;
                    continue;
                }
                let op = match c {
                    '+' => "+",
                    '-' => "-",
                    '*' => "*",
                    '/' => "/",
                    '^' => "^",
                    '\'' => "'",
                    '(' => "(",
                    ')' => ")",
                    ',' => ",",
                    ';' => ";",
                    '=' => "=",
                    _ => return Err(format!("unexpected character {c:?}")),
                };
                out.push(Tok::Op(op));
                i += 1;
            }
        }
        Ok(out)
    }

    #[derive(Clone, Debug)]
    pub enum Ex {
        Num(f64),
        Name(String),
        /// `I(size)`, `ones(size)`
        Sized(&'static str, usize),
        Call(String, Vec<Ex>),
        Bin(&'static str, Box<Ex>, Box<Ex>),
        Neg(Box<Ex>),
        T(Box<Ex>),
    }

    pub struct Prog {
        pub body: Ex,
        pub binds: Vec<(String, Ex)>,
    }

    struct P {
        t: Vec<Tok>,
        i: usize,
    }

    impl P {
        fn peek(&self) -> Option<&Tok> {
            self.t.get(self.i)
        }
        fn is_op(&self, op: &str) -> bool {
            matches!(self.peek(), Some(Tok::Op(o)) if *o == op)
        }
        fn eat(&mut self, op: &str) -> Result<(), String> {
            if self.is_op(op) {
                self.i += 1;
                Ok(())
            } else {
                Err(format!(
                    "expected {op} at token {} ({:?})",
                    self.i,
                    self.peek()
                ))
            }
        }
        // expr := term (('+'|'-') term)*
        fn expr(&mut self) -> Result<Ex, String> {
            let mut l = self.term()?;
            loop {
                let op = if self.is_op("+") {
                    "+"
                } else if self.is_op("-") {
                    "-"
                } else {
                    break;
                };
                self.i += 1;
                let r = self.term()?;
                l = Ex::Bin(op, Box::new(l), Box::new(r));
            }
            Ok(l)
        }
        // term := unary (('*'|'.*'|'./'|'/') unary)*   (left-associative)
        fn term(&mut self) -> Result<Ex, String> {
            let mut l = self.unary()?;
            loop {
                let op = match self.peek() {
                    Some(Tok::Op(o)) if matches!(*o, "*" | ".*" | "./" | "/") => *o,
                    _ => break,
                };
                self.i += 1;
                let r = self.unary()?;
                l = Ex::Bin(op, Box::new(l), Box::new(r));
            }
            Ok(l)
        }
        // unary := '-' unary | power
        fn unary(&mut self) -> Result<Ex, String> {
            if self.is_op("-") {
                self.i += 1;
                return Ok(Ex::Neg(Box::new(self.unary()?)));
            }
            self.power()
        }
        // power := postfix (('^'|'.^') unary)?   (right-associative, tighter than unary minus)
        fn power(&mut self) -> Result<Ex, String> {
            let b = self.postfix()?;
            let op = if self.is_op("^") {
                "^"
            } else if self.is_op(".^") {
                ".^"
            } else {
                return Ok(b);
            };
            self.i += 1;
            let e = self.unary()?;
            Ok(Ex::Bin(op, Box::new(b), Box::new(e)))
        }
        fn postfix(&mut self) -> Result<Ex, String> {
            let mut a = self.atom()?;
            while self.is_op("'") {
                self.i += 1;
                a = Ex::T(Box::new(a));
            }
            Ok(a)
        }
        fn size(&mut self) -> Result<usize, String> {
            let mut s = 1;
            loop {
                match self.peek().cloned() {
                    Some(Tok::Name(n)) => {
                        let k = ["n", "m", "p", "q"]
                            .iter()
                            .position(|x| *x == n)
                            .ok_or(format!("unknown size {n}"))?;
                        s *= SIZES[k];
                    }
                    Some(Tok::Num(v)) => s *= v as usize,
                    t => return Err(format!("bad size {t:?}")),
                }
                self.i += 1;
                if self.is_op("*") {
                    self.i += 1;
                } else {
                    return Ok(s);
                }
            }
        }
        fn atom(&mut self) -> Result<Ex, String> {
            match self.peek().cloned() {
                Some(Tok::Num(v)) => {
                    self.i += 1;
                    Ok(Ex::Num(v))
                }
                Some(Tok::Op("(")) => {
                    self.i += 1;
                    let e = self.expr()?;
                    self.eat(")")?;
                    Ok(e)
                }
                Some(Tok::Name(n)) => {
                    self.i += 1;
                    if !self.is_op("(") {
                        return Ok(Ex::Name(n));
                    }
                    self.i += 1;
                    if n == "I" || n == "ones" || n == "eye" {
                        let s = self.size()?;
                        self.eat(")")?;
                        return Ok(Ex::Sized(if n == "ones" { "ones" } else { "I" }, s));
                    }
                    let mut args = vec![self.expr()?];
                    while self.is_op(",") {
                        self.i += 1;
                        args.push(self.expr()?);
                    }
                    self.eat(")")?;
                    Ok(Ex::Call(n, args))
                }
                t => Err(format!("unexpected {t:?} at token {}", self.i)),
            }
        }
    }

    pub fn parse(text: &str) -> Result<Prog, String> {
        let mut toks = lex(text)?;
        // `where` is a keyword: split there
        let w = toks.iter().position(|t| *t == Tok::Name("where".into()));
        let tail = w.map(|w| toks.split_off(w));
        let mut p = P { t: toks, i: 0 };
        let body = p.expr()?;
        if p.i != p.t.len() {
            return Err(format!("trailing tokens from {} ({:?})", p.i, p.peek()));
        }
        let mut binds = Vec::new();
        if let Some(mut tail) = tail {
            tail.remove(0);
            let mut p = P { t: tail, i: 0 };
            loop {
                let name = match p.peek().cloned() {
                    Some(Tok::Name(n)) => n,
                    t => return Err(format!("expected a binding name, got {t:?}")),
                };
                p.i += 1;
                p.eat("=")?;
                binds.push((name, p.expr()?));
                if p.is_op(";") {
                    p.i += 1;
                } else {
                    break;
                }
            }
            if p.i != p.t.len() {
                return Err("trailing tokens after bindings".into());
            }
        }
        Ok(Prog { body, binds })
    }

    /// `(name, kind, rows, cols)` for each declaration.
    pub fn parse_decls(d: &str) -> Result<Vec<(String, String, usize, usize)>, String> {
        let mut out = Vec::new();
        for part in d.split(';').map(str::trim).filter(|s| !s.is_empty()) {
            let (name, ty) = part
                .split_once(':')
                .ok_or(format!("bad declaration {part}"))?;
            let ty = ty.trim();
            let (kind, args) = match ty.split_once('(') {
                Some((k, a)) => (k.trim(), a.trim_end_matches(')')),
                None => (ty, ""),
            };
            let size = |s: &str| -> Result<usize, String> {
                let mut v = 1;
                for f in s.split('*') {
                    let f = f.trim();
                    v *= match ["n", "m", "p", "q"].iter().position(|x| *x == f) {
                        Some(k) => SIZES[k],
                        None => f.parse::<usize>().map_err(|_| format!("bad size {f}"))?,
                    };
                }
                Ok(v)
            };
            let a: Vec<&str> = args.split(',').collect();
            let (r, c) = match kind {
                "scalar" => (1, 1),
                "vector" => (size(a[0])?, 1),
                "symmetric" => (size(a[0])?, size(a[0])?),
                "matrix" => (
                    size(a[0])?,
                    size(a.get(1).ok_or("matrix needs two sizes")?)?,
                ),
                k => return Err(format!("unknown kind {k}")),
            };
            out.push((name.trim().to_string(), kind.to_string(), r, c));
        }
        Ok(out)
    }

    // ---- matrices -----------------------------------------------------------------

    #[derive(Clone, Debug)]
    pub struct Mat {
        pub r: usize,
        pub c: usize,
        pub d: Vec<f64>, // row-major
    }

    impl Mat {
        fn new(r: usize, c: usize) -> Mat {
            Mat {
                r,
                c,
                d: vec![0.0; r * c],
            }
        }
        fn fill(r: usize, c: usize, v: f64) -> Mat {
            Mat {
                r,
                c,
                d: vec![v; r * c],
            }
        }
        fn eye(n: usize) -> Mat {
            let mut m = Mat::new(n, n);
            for i in 0..n {
                m.d[i * n + i] = 1.0;
            }
            m
        }
        fn at(&self, i: usize, j: usize) -> f64 {
            self.d[i * self.c + j]
        }
        fn is_scalar(&self) -> bool {
            self.r == 1 && self.c == 1
        }
        fn map(&self, f: impl Fn(f64) -> f64) -> Mat {
            Mat {
                r: self.r,
                c: self.c,
                d: self.d.iter().map(|&x| f(x)).collect(),
            }
        }
        fn t(&self) -> Mat {
            let mut m = Mat::new(self.c, self.r);
            for i in 0..self.r {
                for j in 0..self.c {
                    m.d[j * self.r + i] = self.at(i, j);
                }
            }
            m
        }
        fn matmul(&self, o: &Mat) -> Result<Mat, String> {
            if self.c != o.r {
                return Err(format!(
                    "cannot multiply {}x{} by {}x{}",
                    self.r, self.c, o.r, o.c
                ));
            }
            let mut m = Mat::new(self.r, o.c);
            for i in 0..self.r {
                for k in 0..self.c {
                    let a = self.at(i, k);
                    for j in 0..o.c {
                        m.d[i * o.c + j] += a * o.at(k, j);
                    }
                }
            }
            Ok(m)
        }
        fn maxabs(&self) -> f64 {
            self.d.iter().fold(0.0, |a, &x| a.max(x.abs()))
        }
        /// LU with partial pivoting: (determinant, smallest |pivot| / largest |entry|).
        fn det_pivot(&self) -> (f64, f64) {
            let n = self.r;
            let mut a = self.d.clone();
            let scale = self.maxabs().max(1e-300);
            let mut det = 1.0;
            let mut minp = f64::INFINITY;
            for k in 0..n {
                let p = (k..n)
                    .max_by(|&i, &j| a[i * n + k].abs().partial_cmp(&a[j * n + k].abs()).unwrap())
                    .unwrap();
                if p != k {
                    for j in 0..n {
                        a.swap(k * n + j, p * n + j);
                    }
                    det = -det;
                }
                let piv = a[k * n + k];
                minp = minp.min(piv.abs() / scale);
                det *= piv;
                if piv == 0.0 {
                    return (0.0, 0.0);
                }
                for i in k + 1..n {
                    let f = a[i * n + k] / piv;
                    for j in k..n {
                        a[i * n + j] -= f * a[k * n + j];
                    }
                }
            }
            (det, minp)
        }
        fn inv(&self) -> Result<Mat, String> {
            let n = self.r;
            let (_, minp) = self.det_pivot();
            if minp < 1e-8 {
                return Err("inverse of a (nearly) singular matrix".into());
            }
            let mut a = self.d.clone();
            let mut b = Mat::eye(n).d;
            for k in 0..n {
                let p = (k..n)
                    .max_by(|&i, &j| a[i * n + k].abs().partial_cmp(&a[j * n + k].abs()).unwrap())
                    .unwrap();
                for j in 0..n {
                    a.swap(k * n + j, p * n + j);
                    b.swap(k * n + j, p * n + j);
                }
                let piv = a[k * n + k];
                for j in 0..n {
                    a[k * n + j] /= piv;
                    b[k * n + j] /= piv;
                }
                for i in 0..n {
                    if i != k {
                        let f = a[i * n + k];
                        for j in 0..n {
                            a[i * n + j] -= f * a[k * n + j];
                            b[i * n + j] -= f * b[k * n + j];
                        }
                    }
                }
            }
            Ok(Mat { r: n, c: n, d: b })
        }
    }

    // ---- values: sized matrices, or constants whose size comes from a neighbour ------

    type Lazy = Rc<dyn Fn(usize, usize) -> Result<Mat, String>>;

    #[derive(Clone)]
    enum V {
        M(Mat),
        U(Lazy),
    }

    fn sized(v: V, r: usize, c: usize) -> Result<Mat, String> {
        match v {
            V::M(m) => Ok(m),
            V::U(f) => f(r, c),
        }
    }

    fn need(v: V) -> Result<Mat, String> {
        match v {
            V::M(m) => Ok(m),
            V::U(_) => Err("a constant whose size cannot be inferred".into()),
        }
    }

    fn elementwise(op: &'static str, a: &Mat, b: &Mat) -> Result<Mat, String> {
        let f = |x: f64, y: f64| -> Result<f64, String> {
            Ok(match op {
                "+" => x + y,
                "-" => x - y,
                ".*" => x * y,
                _ => {
                    if y.abs() < 1e-8 {
                        return Err("division by (nearly) 0".into());
                    }
                    x / y
                }
            })
        };
        if a.r == b.r && a.c == b.c {
            let d =
                a.d.iter()
                    .zip(&b.d)
                    .map(|(&x, &y)| f(x, y))
                    .collect::<Result<Vec<_>, _>>()?;
            return Ok(Mat { r: a.r, c: a.c, d });
        }
        // a scalar broadcasts (SPEC: `s + X`, `X - s`)
        if a.is_scalar() {
            let d =
                b.d.iter()
                    .map(|&y| f(a.d[0], y))
                    .collect::<Result<Vec<_>, _>>()?;
            return Ok(Mat { r: b.r, c: b.c, d });
        }
        if b.is_scalar() {
            let d =
                a.d.iter()
                    .map(|&x| f(x, b.d[0]))
                    .collect::<Result<Vec<_>, _>>()?;
            return Ok(Mat { r: a.r, c: a.c, d });
        }
        Err(format!("cannot {op} {}x{} and {}x{}", a.r, a.c, b.r, b.c))
    }

    fn fun(name: &str, x: f64) -> Result<f64, String> {
        let away = |x: f64| {
            if x.abs() < 1e-6 {
                Err(format!("{name} of (nearly) 0"))
            } else {
                Ok(())
            }
        };
        Ok(match name {
            "exp" => {
                if x > 200.0 {
                    return Err(format!("exp of {x}"));
                }
                x.exp()
            }
            "log" => {
                if x <= 1e-8 {
                    return Err(format!("log of {x}"));
                }
                x.ln()
            }
            "sqrt" => {
                if x <= 1e-8 {
                    return Err(format!("sqrt of {x}"));
                }
                x.sqrt()
            }
            "sin" => x.sin(),
            "cos" => x.cos(),
            "tan" => {
                if x.cos().abs() < 1e-3 {
                    return Err(format!("tan of {x}"));
                }
                x.tan()
            }
            "tanh" => x.tanh(),
            "sigmoid" => 1.0 / (1.0 + (-x).exp()),
            "softplus" => x.max(0.0) + (-x.abs()).exp().ln_1p(),
            "arcsin" | "arccos" => {
                if x.abs() >= 0.99 {
                    return Err(format!("{name} of {x}"));
                }
                if name == "arcsin" {
                    x.asin()
                } else {
                    x.acos()
                }
            }
            "arctan" => x.atan(),
            "abs" => {
                away(x)?;
                x.abs()
            }
            "sign" => {
                away(x)?;
                x.signum()
            }
            "relu" => {
                away(x)?;
                x.max(0.0)
            }
            "step" => {
                away(x)?;
                if x > 0.0 {
                    1.0
                } else {
                    0.0
                }
            }
            f => return table_fun(f, x),
        })
    }

    /// A function of matcalc's table that the model above does not know: its row's
    /// scalar function, inside its domain (and away from 0 if it is not smooth there).
    fn table_fun(name: &str, x: f64) -> Result<f64, String> {
        let op = matcalc::Op::from_name(name)
            .filter(|o| o.is_elementwise())
            .ok_or_else(|| format!("unknown function {name}"))?;
        let info = op.info();
        let inside = info.domain.is_some_and(|d| d.contains(x))
            && !(info.class == matcalc::Class::NonSmooth && x.abs() < 1e-6);
        match op.scalar_fn() {
            Some(f) if inside => Ok(f(x)),
            _ => Err(format!("{name} of {x}")),
        }
    }

    fn is_elementwise(name: &str) -> bool {
        ELEMENTWISE.contains(&name)
            || matcalc::Op::from_name(name).is_some_and(|o| o.is_elementwise())
    }

    const ELEMENTWISE: [&str; 16] = [
        "exp", "log", "sqrt", "sin", "cos", "tan", "tanh", "sigmoid", "softplus", "arcsin",
        "arccos", "arctan", "abs", "sign", "relu", "step",
    ];

    fn power(b: &Mat, e: f64, what: &str) -> Result<Mat, String> {
        let int = e.fract() == 0.0;
        b.d.iter()
            .map(|&x| {
                if !int && x <= 1e-8 {
                    Err(format!("{what} of {x} to {e}"))
                } else if e < 0.0 && x.abs() < 1e-8 {
                    Err(format!("{what} of 0 to {e}"))
                } else {
                    Ok(x.powf(e))
                }
            })
            .collect::<Result<Vec<_>, _>>()
            .map(|d| Mat { r: b.r, c: b.c, d })
    }

    fn eval(e: &Ex, env: &HashMap<String, Mat>) -> Result<V, String> {
        Ok(match e {
            Ex::Num(v) => V::M(Mat::fill(1, 1, *v)),
            Ex::Name(n) => {
                if n == "I" || n == "eye" {
                    V::U(Rc::new(|r, c| {
                        if r == c {
                            Ok(Mat::eye(r))
                        } else {
                            Err("I must be square".into())
                        }
                    }))
                } else {
                    V::M(env.get(n).cloned().ok_or(format!("undeclared {n}"))?)
                }
            }
            Ex::Sized(f, s) => V::M(if *f == "I" {
                Mat::eye(*s)
            } else {
                Mat::fill(*s, 1, 1.0)
            }),
            Ex::Neg(x) => match eval(x, env)? {
                V::M(m) => V::M(m.map(|v| -v)),
                V::U(f) => V::U(Rc::new(move |r, c| Ok(f(r, c)?.map(|v| -v)))),
            },
            Ex::T(x) => match eval(x, env)? {
                V::M(m) => V::M(m.t()),
                V::U(f) => V::U(Rc::new(move |r, c| Ok(f(c, r)?.t()))),
            },
            Ex::Bin(op, a, b) => {
                let (a, b) = (eval(a, env)?, eval(b, env)?);
                let op: &'static str = op;
                match op {
                    "+" | "-" | ".*" | "./" => match (a, b) {
                        (V::M(x), V::M(y)) => V::M(elementwise(op, &x, &y)?),
                        (V::U(f), V::M(y)) if !y.is_scalar() => {
                            V::M(elementwise(op, &f(y.r, y.c)?, &y)?)
                        }
                        (V::M(x), V::U(g)) if !x.is_scalar() => {
                            V::M(elementwise(op, &x, &g(x.r, x.c)?)?)
                        }
                        (a, b) => V::U(Rc::new(move |r, c| {
                            let x = sized(a.clone(), r, c)?;
                            let y = sized(b.clone(), r, c)?;
                            elementwise(op, &x, &y)
                        })),
                    },
                    "*" => match (a, b) {
                        (V::M(x), V::M(y)) => {
                            if x.is_scalar() {
                                V::M(y.map(|v| v * x.d[0]))
                            } else if y.is_scalar() {
                                V::M(x.map(|v| v * y.d[0]))
                            } else {
                                V::M(x.matmul(&y)?)
                            }
                        }
                        (V::M(x), V::U(g)) if x.is_scalar() => {
                            let s = x.d[0];
                            V::U(Rc::new(move |r, c| Ok(g(r, c)?.map(|v| v * s))))
                        }
                        (V::U(f), V::M(y)) if y.is_scalar() => {
                            let s = y.d[0];
                            V::U(Rc::new(move |r, c| Ok(f(r, c)?.map(|v| v * s))))
                        }
                        (V::U(f), V::M(y)) => V::M(f(y.r, y.r)?.matmul(&y)?),
                        (V::M(x), V::U(g)) => V::M(x.matmul(&g(x.c, x.c)?)?),
                        _ => return Err("product of two unsized constants".into()),
                    },
                    "/" => {
                        let y = need(b)?;
                        if !y.is_scalar() {
                            return Err("division by a non-scalar".into());
                        }
                        if y.d[0].abs() < 1e-8 {
                            return Err("division by (nearly) 0".into());
                        }
                        let s = y.d[0];
                        match a {
                            V::M(x) => V::M(x.map(|v| v / s)),
                            V::U(f) => V::U(Rc::new(move |r, c| Ok(f(r, c)?.map(|v| v / s)))),
                        }
                    }
                    "^" => {
                        let x = need(a)?;
                        let y = need(b)?;
                        if !y.is_scalar() {
                            return Err("non-scalar exponent".into());
                        }
                        let k = y.d[0];
                        if x.is_scalar() {
                            V::M(power(&x, k, "power")?)
                        } else {
                            if x.r != x.c || k.fract() != 0.0 || k < 1.0 {
                                return Err(
                                    "matrix power needs a square matrix and a positive integer"
                                        .into(),
                                );
                            }
                            let mut m = x.clone();
                            for _ in 1..k as usize {
                                m = m.matmul(&x)?;
                            }
                            V::M(m)
                        }
                    }
                    _ => {
                        // .^
                        let y = need(b)?;
                        if !y.is_scalar() {
                            return Err("non-scalar elementwise exponent".into());
                        }
                        let k = y.d[0];
                        match a {
                            V::M(x) => V::M(power(&x, k, ".^")?),
                            V::U(f) => V::U(Rc::new(move |r, c| power(&f(r, c)?, k, ".^"))),
                        }
                    }
                }
            }
            Ex::Call(f, args) => {
                let f = f.as_str();
                if is_elementwise(f) {
                    if args.len() != 1 {
                        return Err(format!("{f} takes one argument"));
                    }
                    let name: String = f.to_string();
                    return Ok(match eval(&args[0], env)? {
                        V::M(m) => V::M(map_fun(&name, &m)?),
                        V::U(g) => V::U(Rc::new(move |r, c| map_fun(&name, &g(r, c)?))),
                    });
                }
                if f == "vector" || f == "matrix" {
                    let v = need(eval(&args[0], env)?)?;
                    let c0 = v.d[0];
                    let col = f == "vector";
                    return Ok(V::U(Rc::new(move |r, c| {
                        if col && c != 1 {
                            return Err("vector(c) used as a matrix".into());
                        }
                        Ok(Mat::fill(r, c, c0))
                    })));
                }
                let xs = args
                    .iter()
                    .map(|a| need(eval(a, env)?))
                    .collect::<Result<Vec<_>, _>>()?;
                let x = &xs[0];
                let square = |x: &Mat| {
                    if x.r == x.c {
                        Ok(())
                    } else {
                        Err(format!("{f} of a non-square matrix"))
                    }
                };
                V::M(match f {
                    "tr" => {
                        square(x)?;
                        Mat::fill(1, 1, (0..x.r).map(|i| x.at(i, i)).sum())
                    }
                    "det" => {
                        square(x)?;
                        Mat::fill(1, 1, x.det_pivot().0)
                    }
                    "logdet" => {
                        square(x)?;
                        let (d, minp) = x.det_pivot();
                        if d <= 0.0 || minp < 1e-8 {
                            return Err(format!("logdet of a matrix with determinant {d}"));
                        }
                        Mat::fill(1, 1, d.ln())
                    }
                    "inv" => {
                        square(x)?;
                        x.inv()?
                    }
                    "adj" => {
                        square(x)?;
                        let d = x.det_pivot().0;
                        x.inv()?.map(|v| v * d)
                    }
                    "kron" => {
                        let y = xs.get(1).ok_or("kron takes two arguments")?;
                        let mut m = Mat::new(x.r * y.r, x.c * y.c);
                        for i1 in 0..x.r {
                            for j1 in 0..x.c {
                                for i2 in 0..y.r {
                                    for j2 in 0..y.c {
                                        m.d[(i1 * y.r + i2) * m.c + j1 * y.c + j2] =
                                            x.at(i1, j1) * y.at(i2, j2);
                                    }
                                }
                            }
                        }
                        m
                    }
                    "diag" => {
                        if x.c == 1 && x.r > 1 {
                            let mut m = Mat::new(x.r, x.r);
                            for i in 0..x.r {
                                m.d[i * x.r + i] = x.d[i];
                            }
                            m
                        } else if x.r == x.c && x.r > 1 {
                            Mat {
                                r: x.r,
                                c: 1,
                                d: (0..x.r).map(|i| x.at(i, i)).collect(),
                            }
                        } else {
                            return Err(format!("diag of {}x{}", x.r, x.c));
                        }
                    }
                    "vec" => {
                        let mut m = Mat::new(x.r * x.c, 1);
                        for j in 0..x.c {
                            for i in 0..x.r {
                                m.d[j * x.r + i] = x.at(i, j);
                            }
                        }
                        m
                    }
                    "sum" => Mat::fill(1, 1, x.d.iter().sum()),
                    "norm2" => {
                        let v = x.d.iter().map(|v| v * v).sum::<f64>().sqrt();
                        if v < 1e-8 {
                            return Err("norm2 of (nearly) 0".into());
                        }
                        Mat::fill(1, 1, v)
                    }
                    "norm1" => {
                        if x.d.iter().any(|v| v.abs() < 1e-6) {
                            return Err("norm1 with an entry (nearly) 0".into());
                        }
                        Mat::fill(1, 1, x.d.iter().map(|v| v.abs()).sum())
                    }
                    "softmax" => {
                        if x.c != 1 {
                            return Err("softmax of a non-column".into());
                        }
                        let mx = x.d.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
                        let e: Vec<f64> = x.d.iter().map(|v| (v - mx).exp()).collect();
                        let s: f64 = e.iter().sum();
                        Mat {
                            r: x.r,
                            c: 1,
                            d: e.iter().map(|v| v / s).collect(),
                        }
                    }
                    "logsumexp" => {
                        let mx = x.d.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
                        Mat::fill(
                            1,
                            1,
                            mx + x.d.iter().map(|v| (v - mx).exp()).sum::<f64>().ln(),
                        )
                    }
                    f => return Err(format!("unknown function {f}")),
                })
            }
        })
    }

    fn map_fun(name: &str, m: &Mat) -> Result<Mat, String> {
        let d =
            m.d.iter()
                .map(|&x| fun(name, x))
                .collect::<Result<Vec<_>, _>>()?;
        Ok(Mat { r: m.r, c: m.c, d })
    }

    pub fn eval_prog(p: &Prog, vars: &HashMap<String, Mat>) -> Result<Mat, String> {
        let mut env = vars.clone();
        for (name, e) in &p.binds {
            let v = need(eval(e, &env)?)?;
            env.insert(name.clone(), v);
        }
        let v = need(eval(&p.body, &env)?)?;
        if v.d.iter().any(|x| !x.is_finite()) {
            return Err("non-finite value".into());
        }
        Ok(v)
    }

    // ---- the point ----------------------------------------------------------------

    pub struct Point {
        pub values: HashMap<String, Mat>,
        kinds: HashMap<String, String>,
        seed: u64,
    }

    fn normals(state: &mut u64, k: usize) -> Vec<f64> {
        (0..k)
            .map(|_| {
                let u1 = ((super::splitmix(state) >> 11) as f64 + 0.5) / (1u64 << 53) as f64;
                let u2 = ((super::splitmix(state) >> 11) as f64) / (1u64 << 53) as f64;
                (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
            })
            .collect()
    }

    impl Point {
        pub fn new(decls: &[(String, String, usize, usize)], seed: u64) -> Point {
            let mut state = seed;
            let mut values = HashMap::new();
            let mut kinds = HashMap::new();
            for (name, kind, r, c) in decls {
                let g = Mat {
                    r: *r,
                    c: *c,
                    d: normals(&mut state, r * c),
                };
                let v = if kind == "symmetric" {
                    // SPD: G G' / n + I/2
                    let mut s = g.matmul(&g.t()).unwrap().map(|v| v / *r as f64);
                    for i in 0..*r {
                        s.d[i * r + i] += 0.5;
                    }
                    s
                } else if r == c && *r > 1 {
                    // square: n*I + 0.3*noise
                    let mut s = g.map(|v| 0.3 * v);
                    for i in 0..*r {
                        s.d[i * r + i] += *r as f64;
                    }
                    s
                } else {
                    g
                };
                values.insert(name.clone(), v);
                kinds.insert(name.clone(), kind.clone());
            }
            Point {
                values,
                kinds,
                seed,
            }
        }
    }

    /// Does the value change when `wrt` moves a little (symmetrically for symmetric)?
    pub fn depends(p: &Prog, pt: &Point, wrt: &str, f0: &Mat) -> Result<bool, String> {
        let x = pt.values.get(wrt).ok_or("wrt not declared")?;
        let mut state = pt.seed ^ 0xd1ff;
        let mut dir = Mat {
            r: x.r,
            c: x.c,
            d: normals(&mut state, x.r * x.c),
        };
        if pt.kinds.get(wrt).map(|k| k == "symmetric").unwrap_or(false) {
            let t = dir.t();
            dir = Mat {
                r: x.r,
                c: x.c,
                d: dir.d.iter().zip(&t.d).map(|(a, b)| (a + b) / 2.0).collect(),
            };
        }
        let scale = f0.maxabs().max(1.0);
        for eps in [1e-3, 3e-2] {
            let mut vals = pt.values.clone();
            let moved = Mat {
                r: x.r,
                c: x.c,
                d: x.d.iter().zip(&dir.d).map(|(a, b)| a + eps * b).collect(),
            };
            vals.insert(wrt.to_string(), moved);
            let f1 = eval_prog(p, &vals)?;
            let diff =
                f0.d.iter()
                    .zip(&f1.d)
                    .fold(0.0f64, |a, (u, v)| a.max((u - v).abs()));
            if diff > 1e-9 * scale {
                return Ok(true);
            }
        }
        Ok(false)
    }
}

// ------------------------------------------------------------------------------------
// Token soup
// ------------------------------------------------------------------------------------

const SOUP: &[&str] = &[
    // names
    "x",
    "y",
    "A",
    "B",
    "S",
    "s",
    "t",
    "h1",
    "n",
    "foo",
    "X1",
    "_",
    "d",
    "dx",
    "e",
    // numbers
    "0",
    "2",
    "0.5",
    "3",
    "1e3",
    "1.",
    ".5",
    "10",
    "007",
    "1e",
    "-1",
    "99999999999999999999",
    // operators
    "+",
    "-",
    "*",
    "/",
    "'",
    ".*",
    "./",
    ".^",
    "^",
    "=",
    "''",
    "**",
    "--",
    ".",
    // functions and constants
    "tr",
    "det",
    "logdet",
    "inv",
    "adj",
    "kron",
    "diag",
    "vec",
    "sum",
    "norm2",
    "norm1",
    "exp",
    "log",
    "sin",
    "cos",
    "tan",
    "tanh",
    "sigmoid",
    "sqrt",
    "arcsin",
    "arccos",
    "arctan",
    "abs",
    "sign",
    "relu",
    "step",
    "softplus",
    "softmax",
    "logsumexp",
    "I",
    "ones",
    "vector",
    "matrix",
    "eye",
    // punctuation
    "(",
    ")",
    "(",
    ")",
    ",",
    ";",
    ":",
    "where",
    "where",
    " ",
    // odd characters
    "@",
    "#",
    "$",
    "~",
    "!",
    "?",
    "&",
    "|",
    "[",
    "]",
    "{",
    "}",
    "\"",
    "\\",
    "λ",
    "×",
    "\t",
    "é",
    "\n",
    "∑",
    "\r",
    "\u{7f}",
    "..",
    "'(",
    ")(",
    "`",
];

fn soup(choices: &[u8]) -> String {
    let mut at = 0usize;
    let mut next = |k: usize| -> usize {
        let b = choices.get(at).copied().unwrap_or(0);
        at += 1;
        b as usize % k.max(1)
    };
    if choices.len() > 8 && next(5) == 0 {
        // A well-formed case, then a few mutations: near-misses are the interesting ones.
        let tail = &choices[choices.len() / 2..];
        let cfg = GenConfig {
            max_depth: 3,
            scalar_output: None,
            allow: OpSet::all(),
        };
        let case = case_from_choices(tail, &cfg);
        let mut cs: Vec<char> = case.expr.chars().collect();
        let muts = 1 + next(3);
        for _ in 0..muts {
            if cs.is_empty() {
                break;
            }
            let pos = next(cs.len() + 1).min(cs.len());
            match next(5) {
                0 if pos < cs.len() => {
                    cs.remove(pos);
                }
                1 => {
                    let t = SOUP[next(SOUP.len())];
                    for (k, c) in t.chars().enumerate() {
                        cs.insert(pos + k, c);
                    }
                }
                2 => cs.truncate(pos),
                3 if pos + 1 < cs.len() => cs.swap(pos, pos + 1),
                _ => {
                    let t = SOUP[next(SOUP.len())];
                    for (k, c) in t.chars().enumerate() {
                        cs.insert(pos.min(cs.len()) + k, c);
                    }
                }
            }
        }
        return cs.into_iter().collect();
    }
    let len = 1 + next(40);
    let mut out = String::new();
    for _ in 0..len {
        let t = SOUP[next(SOUP.len())];
        out.push_str(t);
        if next(3) == 0 {
            out.push(' ');
        }
    }
    out
}

// ------------------------------------------------------------------------------------
// Tests
// ------------------------------------------------------------------------------------
