//! Random well-shaped SCALAR functions of one variable (`x: vector(n)`, `X: matrix(n,p)`
//! or a square `X: matrix(n,n)`), for the derivative property tests.
//!
//! Like `gen.rs`, an expression is driven by a list of choice bytes (each decision takes
//! the next one; once they run out the builder takes leaves), so proptest shrinks a
//! failing case by shrinking the list. Unlike `gen.rs`, the variable always occurs
//! (a leaf that must hold it is `x`, `X` or a constant product around it, `A*x*c'`),
//! and every term is one the derivative exists for at the oracle's random points:
//! `inv` and `logdet` only of terms positive definite (`S + T'*T`) or diagonally
//! dominant (`X`, `C`) there, `log` and `sqrt` only of positive terms.

use proptest::prelude::*;

/// Which variable the function is of.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VarKind {
    /// `x: vector(n)`
    Vector,
    /// `X: matrix(n,p)`
    Matrix,
    /// `X: matrix(n,n)`
    Square,
}

/// One generated case: a scalar function, its declarations and the variable.
#[derive(Debug, Clone)]
pub struct ScalarCase {
    pub expr: String,
    pub decls: String,
    pub wrt: String,
    pub kind: VarKind,
}

/// Constants, with symbolic sizes; the oracle gives `n`, `m`, `p` distinct sizes.
/// `C` is a general square matrix (the oracle makes it `n·I` plus noise, so `inv(C)`
/// is well conditioned); `S` is symmetric positive definite.
const CONSTANTS: &str =
    "A: matrix(m,n); B: matrix(p,m); C: matrix(n,n); a: vector(n); b: vector(m); c: vector(p); \
     S: symmetric(n); s: scalar";

/// Size symbols; "1" stands for a unit side (vectors, scalars).
const DIMS: [&str; 4] = ["1", "n", "m", "p"];

const SMOOTH: &[&str] = &["exp", "sin", "cos", "tanh", "sigmoid"];
const NUMBERS: &[&str] = &["2", "0.5", "3", "1.5"];

/// Whether a trace may take a Hadamard product or an elementwise function directly
/// (up to sums, transposes and scalar factors), as in `tr(C .* X)` or `tr(exp(X))`.
/// This property found three engine bugs with such traces (no rule for tr(A ∘ dX); the
/// `hadamard-trace` rule taking a scalar factor for a matrix; `tr(exp(X'*X))` running
/// to its limits). They are fixed and the construct is on; the switch narrows the
/// generator when a regression needs bisecting.
pub const TRACE_OF_ELEMENTWISE: bool = true;

/// Operators deep the whole function may be; inverses and log-determinants get
/// shallow (depth 1) arguments whatever the depth. Deeper, the searches that stop
/// at a limit grow past a few percent.
const DEPTH: u32 = 4;

/// A random scalar function of `x` or `X`, at most `DEPTH` operators deep.
pub fn scalar_case() -> impl Strategy<Value = ScalarCase> {
    let kind = prop_oneof![
        2 => Just(VarKind::Vector),
        2 => Just(VarKind::Matrix),
        1 => Just(VarKind::Square),
    ];
    (kind, prop::collection::vec(any::<u8>(), 4..48))
        .prop_map(|(kind, choices)| build(kind, choices))
}

/// The case a choice list makes (deterministic, so a failure replays).
pub fn build(kind: VarKind, choices: Vec<u8>) -> ScalarCase {
    let mut b = Builder {
        kind,
        choices,
        next: 0,
    };
    let expr = b.expr(sh("1", "1"), DEPTH, true);
    let (wrt, var_decl) = match kind {
        VarKind::Vector => ("x", "x: vector(n)"),
        VarKind::Matrix => ("X", "X: matrix(n,p)"),
        VarKind::Square => ("X", "X: matrix(n,n)"),
    };
    ScalarCase {
        expr,
        decls: format!("{var_decl}; {CONSTANTS}"),
        wrt: wrt.to_string(),
        kind,
    }
}

type Sh = (&'static str, &'static str);

fn sh(r: &'static str, c: &'static str) -> Sh {
    (r, c)
}

/// Parentheses around anything but a name, a number or a call.
fn paren(e: &str) -> String {
    let atom = e.chars().all(|c| c.is_ascii_alphanumeric() || c == '.')
        || (e.ends_with(')')
            && e.find('(').is_some_and(|i| {
                e[..i].chars().all(|c| c.is_ascii_alphanumeric()) && balanced_call(&e[i..])
            }));
    if atom {
        e.to_string()
    } else {
        format!("({e})")
    }
}

/// Whether `s`, starting with `(`, closes that parenthesis only at its very end.
fn balanced_call(s: &str) -> bool {
    let mut depth = 0i32;
    for (i, ch) in s.char_indices() {
        match ch {
            '(' => depth += 1,
            ')' => {
                depth -= 1;
                if depth == 0 {
                    return i == s.len() - 1;
                }
            }
            _ => {}
        }
    }
    false
}

struct Builder {
    kind: VarKind,
    choices: Vec<u8>,
    next: usize,
}

impl Builder {
    /// The next choice in `0..k`; 0 (the simplest) once the choices are used up.
    fn pick(&mut self, k: usize) -> usize {
        let c = self.choices.get(self.next).copied().unwrap_or(0);
        self.next += 1;
        c as usize % k.max(1)
    }

    fn exhausted(&self) -> bool {
        self.next >= self.choices.len()
    }

    fn dim(&mut self) -> &'static str {
        DIMS[self.pick(DIMS.len())]
    }

    /// A size other than the unit one (for traces and square terms).
    fn big_dim(&mut self) -> &'static str {
        DIMS[1 + self.pick(3)]
    }

    /// Which operands of a binary operator must hold the variable, when the whole
    /// must: one or the other or both.
    fn split(&mut self, must: bool) -> (bool, bool) {
        if !must {
            return (false, false);
        }
        match self.pick(3) {
            0 => (true, false),
            1 => (false, true),
            _ => (true, true),
        }
    }

    fn var_shape(&self) -> Sh {
        match self.kind {
            VarKind::Vector => sh("n", "1"),
            VarKind::Matrix => sh("n", "p"),
            VarKind::Square => sh("n", "n"),
        }
    }

    fn var_name(&self) -> &'static str {
        match self.kind {
            VarKind::Vector => "x",
            _ => "X",
        }
    }

    /// Names (and transposed names) of exactly this shape.
    fn names(&self, (r, c): Sh) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        let table: [(&str, Sh); 7] = [
            ("A", sh("m", "n")),
            ("B", sh("p", "m")),
            ("C", sh("n", "n")),
            ("S", sh("n", "n")),
            ("a", sh("n", "1")),
            ("b", sh("m", "1")),
            ("c", sh("p", "1")),
        ];
        for (name, (nr, nc)) in table {
            if (nr, nc) == (r, c) {
                out.push(name.to_string());
            }
            // S' is S: leave it out rather than print a pointless transpose.
            if (nc, nr) == (r, c) && nr != nc && name != "S" {
                out.push(format!("{name}'"));
            }
        }
        out
    }

    /// A constant product of shape `(r, c)` for the sides of the variable, `None` for
    /// an identity (nothing to write).
    fn side(&self, (r, c): Sh) -> Option<String> {
        if r == c {
            return None;
        }
        if let Some(name) = self.names((r, c)).into_iter().next() {
            return Some(name);
        }
        // Sizes no single constant has: go through n or m.
        Some(match (r, c) {
            ("p", "n") => "B*A".to_string(),
            ("n", "p") => "A'*B'".to_string(),
            (r, c) => {
                let u = self.names(sh(r, "1"));
                let v = self.names(sh(c, "1"));
                format!("{}*{}'", u[0], v[0])
            }
        })
    }

    /// A term of this shape that holds the variable: the variable itself, or a
    /// constant times it times a constant (`A*x*c'`, `a'*X*c`, `B*A*X`).
    fn var_leaf(&mut self, (r, c): Sh) -> String {
        let (vr, vc) = self.var_shape();
        let v = self.var_name();
        if (r, c) == (vr, vc) {
            return v.to_string();
        }
        if (c, r) == (vr, vc) && self.pick(2) == 0 {
            return format!("{v}'");
        }
        let left = self.side(sh(r, vr));
        let right = self.side(sh(vc, c));
        let mut parts: Vec<String> = Vec::new();
        parts.extend(left);
        parts.push(v.to_string());
        parts.extend(right);
        parts.join("*")
    }

    /// A leaf of this shape: when it must hold the variable, `var_leaf`; else the
    /// variable when it fits (half the time), a constant, `I`, `ones(k)`, a number, or
    /// an outer product of constant vectors.
    fn leaf(&mut self, shape: Sh, must: bool) -> String {
        let (r, c) = shape;
        if must {
            return self.var_leaf(shape);
        }
        let (vr, vc) = self.var_shape();
        if ((r, c) == (vr, vc) || (c, r) == (vr, vc)) && self.pick(2) == 0 {
            return self.var_leaf(shape);
        }
        if (r, c) == ("1", "1") {
            return match self.pick(2) {
                0 => "s".to_string(),
                _ => NUMBERS[self.pick(NUMBERS.len())].to_string(),
            };
        }
        let mut options = self.names(shape);
        if c == "1" {
            options.push(format!("ones({r})"));
        }
        if r == c {
            options.push("I".to_string());
        }
        if options.is_empty() {
            // No constant of this shape: an outer product of constant vectors.
            let u = self.names(sh(r, "1"));
            let v = self.names(sh(c, "1"));
            return format!("{}*{}'", u[0], v[0]);
        }
        let i = self.pick(options.len());
        options.swap_remove(i)
    }

    fn sub(&mut self, shape: Sh, depth: u32, must: bool) -> String {
        let e = self.expr(shape, depth, must);
        paren(&e)
    }

    /// A term of shape `(r, c)`, at most `depth` operators deep, holding the variable
    /// if `must`.
    fn expr(&mut self, shape: Sh, depth: u32, must: bool) -> String {
        self.term(shape, depth, must, false)
    }

    /// `expr`, parenthesized unless atomic.
    fn sub_term(&mut self, shape: Sh, depth: u32, must: bool, bare: bool) -> String {
        let e = self.term(shape, depth, must, bare);
        paren(&e)
    }

    /// `expr`, where `bare` means the term is the argument of a trace up to sums,
    /// transposes and scalar factors, and then holds no Hadamard product or
    /// elementwise function at that level (see `TRACE_OF_ELEMENTWISE`).
    fn term(&mut self, shape: Sh, depth: u32, must: bool, bare: bool) -> String {
        if depth == 0 || self.exhausted() {
            return self.leaf(shape, must);
        }
        let (r, c) = shape;
        let d = depth - 1;
        let scalar = (r, c) == ("1", "1");
        let square_n = (r, c) == ("n", "n");
        match self.pick(16) {
            0 => self.leaf(shape, must),
            1 | 2 => {
                let (m1, m2) = self.split(must);
                let op = ["+", "-"][self.pick(2)];
                let a = self.sub_term(shape, d, m1, bare);
                format!("{a} {op} {}", self.sub_term(shape, d, m2, bare))
            }
            3 | 4 => {
                let k = self.dim();
                let (m1, m2) = self.split(must);
                format!(
                    "{}*{}",
                    self.sub(sh(r, k), d, m1),
                    self.sub(sh(k, c), d, m2)
                )
            }
            5 if !scalar => {
                let (m1, m2) = self.split(must);
                let a = self.sub(sh("1", "1"), d, m1);
                format!("{a}*{}", self.sub_term(shape, d, m2, bare))
            }
            6 => format!("{}'", self.sub_term(sh(c, r), d, must, bare)),
            7 if !scalar && !bare => {
                let (m1, m2) = self.split(must);
                format!("{} .* {}", self.sub(shape, d, m1), self.sub(shape, d, m2))
            }
            8 if !bare => {
                let f = SMOOTH[self.pick(SMOOTH.len())];
                format!("{f}({})", self.expr(shape, d, must))
            }
            9 if !bare => {
                let f = ["log", "sqrt"][self.pick(2)];
                format!("{f}({})", self.positive(shape, d, must))
            }
            10 if square_n => self.inverse(must),
            10..=12 if scalar => self.scalar_of_matrix(d, must),
            13 | 14 if scalar => {
                let k = self.big_dim();
                let bare = !TRACE_OF_ELEMENTWISE;
                format!("tr({})", self.term(sh(k, k), d, must, bare))
            }
            _ => self.leaf(shape, must),
        }
    }

    /// A term with positive entries: `exp(t)`, `1 + t .* t` (with `ones` for the 1).
    fn positive(&mut self, shape: Sh, depth: u32, must: bool) -> String {
        let (r, c) = shape;
        let d = depth.saturating_sub(1);
        if self.pick(2) == 0 {
            return format!("exp({})", self.expr(shape, d, must));
        }
        let t = self.sub(shape, d, must);
        match (r, c) {
            ("1", "1") => format!("1 + {t}*{t}"),
            (r, "1") => format!("ones({r}) + {t} .* {t}"),
            ("1", c) => format!("ones({c})' + {t} .* {t}"),
            (r, c) => format!("ones({r})*ones({c})' + {t} .* {t}"),
        }
    }

    /// `S + T'*T` for a shallow `T` with `k` rows and `n` columns (written `S + v*v'`
    /// when `T` is a row `v'`): symmetric positive definite.
    fn spd(&mut self, must: bool) -> String {
        let k = self.dim();
        if k == "1" {
            let v = self.sub(sh("n", "1"), 1, must);
            return format!("S + {v}*{v}'");
        }
        let t = self.sub(sh(k, "n"), 1, must);
        format!("S + {t}'*{t}")
    }

    /// An n×n inverse that exists and is well conditioned at the oracle's points:
    /// of an SPD term, of the square variable (`n·I` plus noise there), or of `C`.
    fn inverse(&mut self, must: bool) -> String {
        match self.pick(3) {
            1 if self.kind == VarKind::Square => "inv(X)".to_string(),
            2 if !must => "inv(C)".to_string(),
            _ => format!("inv({})", self.spd(must)),
        }
    }

    /// A scalar read off a vector or matrix term: `sum`, `norm2(..)^2`, `logdet`.
    fn scalar_of_matrix(&mut self, d: u32, must: bool) -> String {
        match self.pick(3) {
            0 => {
                let shape = (self.big_dim(), self.dim());
                format!("sum({})", self.expr(shape, d, must))
            }
            1 => {
                let shape = (self.big_dim(), self.dim());
                format!("norm2({})^2", self.expr(shape, d, must))
            }
            _ => {
                if self.kind == VarKind::Square && self.pick(3) == 0 {
                    // n·I plus noise: diagonally dominant, so det(X) > 0.
                    return "logdet(X)".to_string();
                }
                format!("logdet({})", self.spd(must))
            }
        }
    }
}
