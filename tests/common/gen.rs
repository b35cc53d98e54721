//! Random well-shaped expressions for property tests, built bottom-up by shape.
//!
//! An expression is driven by a list of choices (bytes): every decision takes the next
//! one, and when they run out the builder picks leaves. Proptest shrinks the list, so a
//! failing case shrinks to a small expression.

use proptest::prelude::*;

/// The three sizes of one case: `n` is always a symbol, `m` and `p` sometimes integers.
#[derive(Debug, Clone)]
pub struct Dims {
    pub n: String,
    pub m: String,
    pub p: String,
}

impl Dims {
    fn all(&self) -> [&str; 4] {
        ["1", &self.n, &self.m, &self.p]
    }

    /// Every variable with its shape: scalars `s t`, a vector per size, a matrix per
    /// pair of sizes, and a symmetric `S`.
    fn vars(&self) -> Vec<(String, String, String)> {
        let (n, m, p) = (self.n.as_str(), self.m.as_str(), self.p.as_str());
        let mut v: Vec<(String, String, String)> = vec![
            ("s".into(), "1".into(), "1".into()),
            ("t".into(), "1".into(), "1".into()),
        ];
        for (name, d) in [("x", n), ("y", m), ("z", p)] {
            v.push((name.into(), d.into(), "1".into()));
        }
        let pairs = [
            ("A", n, n),
            ("B", n, m),
            ("C", m, n),
            ("D", m, m),
            ("E", n, p),
            ("F", p, n),
            ("G", m, p),
            ("H", p, m),
            ("P", p, p),
        ];
        for (name, r, c) in pairs {
            v.push((name.into(), r.into(), c.into()));
        }
        v
    }

    /// The `--let` text declaring every variable.
    pub fn decls(&self) -> String {
        let mut parts = Vec::new();
        for (name, r, c) in self.vars() {
            parts.push(match (r.as_str(), c.as_str()) {
                ("1", "1") => format!("{name}: scalar"),
                (r, "1") => format!("{name}: vector({r})"),
                (r, c) => format!("{name}: matrix({r},{c})"),
            });
        }
        parts.push(format!("S: symmetric({})", self.n));
        parts.join("; ")
    }
}

pub fn dims() -> impl Strategy<Value = Dims> {
    (prop_oneof!["m", "3"], prop_oneof!["p", "2"]).prop_map(|(m, p)| Dims {
        n: "n".to_string(),
        m: m.to_string(),
        p: p.to_string(),
    })
}

/// `(expression, declarations)`: a random expression that type-checks under them.
pub fn well_shaped() -> impl Strategy<Value = (String, String)> {
    (dims(), prop::collection::vec(any::<u8>(), 0..96)).prop_map(|(d, choices)| {
        let mut b = Builder {
            dims: d.clone(),
            choices,
            next: 0,
        };
        let shape = b.any_shape();
        (b.expr(shape, 5), d.decls())
    })
}

type Sh = (String, String);

struct Builder {
    dims: Dims,
    choices: Vec<u8>,
    next: usize,
}

const FUNCTIONS: &[&str] = &["exp", "log", "sin", "cos", "tanh", "sigmoid", "sqrt"];
const NUMBERS: &[&str] = &["2", "3", "0.5", "1.25", "-1", "-2.5", "0", "10"];

impl Builder {
    /// The next choice in `0..k`; 0 (the simplest) once the choices are used up.
    fn pick(&mut self, k: usize) -> usize {
        let c = self.choices.get(self.next).copied().unwrap_or(0);
        self.next += 1;
        c as usize % k.max(1)
    }

    fn dim(&mut self) -> String {
        let i = self.pick(4);
        self.dims.all()[i].to_string()
    }

    fn any_shape(&mut self) -> Sh {
        (self.dim(), self.dim())
    }

    /// A name or literal of exactly this shape.
    fn leaf(&mut self, (r, c): &Sh) -> String {
        let one = |d: &str| d == "1";
        if one(r) && one(c) {
            return match self.pick(3) {
                0 => ["s", "t"][self.pick(2)].to_string(),
                _ => NUMBERS[self.pick(NUMBERS.len())].to_string(),
            };
        }
        if one(c) && self.pick(4) == 0 {
            return format!("ones({r})");
        }
        if r == c && self.pick(4) == 0 {
            return "I".to_string();
        }
        if r == &self.dims.n && c == &self.dims.n && self.pick(3) == 0 {
            return "S".to_string();
        }
        let vars = self.dims.vars();
        let find = |r: &str, c: &str| {
            vars.iter()
                .find(|v| v.0.len() == 1 && v.1 == r && v.2 == c && v.1 != "1")
                .map(|v| v.0.clone())
        };
        if let Some(v) = find(r, c) {
            return v;
        }
        // A row vector is a transposed vector.
        let v = find(c, r).unwrap_or_else(|| "x".to_string());
        format!("{v}'")
    }

    /// A subexpression in parentheses (atoms and leaves stay bare).
    fn sub(&mut self, shape: Sh, depth: u32) -> String {
        let e = self.expr(shape, depth);
        if e.chars().all(|c| c.is_ascii_alphanumeric() || c == '.') {
            e
        } else {
            format!("({e})")
        }
    }

    /// An expression of shape `(r, c)`, at most `depth` operators deep.
    fn expr(&mut self, shape: Sh, depth: u32) -> String {
        let choice = if depth == 0 { 0 } else { self.pick(20) };
        let d = depth.saturating_sub(1);
        let (r, c) = (shape.0.clone(), shape.1.clone());
        let scalar = (String::from("1"), String::from("1"));
        let square = r == c;
        let is_scalar = r == "1" && c == "1";
        match choice {
            1 => format!("{} + {}", self.sub(shape.clone(), d), self.sub(shape, d)),
            2 => format!("{} - {}", self.sub(shape.clone(), d), self.sub(shape, d)),
            3 => format!("-{}", self.sub(shape, d)),
            4 => {
                let k = self.dim();
                let a = self.sub((r, k.clone()), d);
                format!("{a}*{}", self.sub((k, c), d))
            }
            5 => format!("{}*{}", self.sub(scalar, d), self.sub(shape, d)),
            6 => format!("{}'", self.sub((c, r), d)),
            7 => format!("{} .* {}", self.sub(shape.clone(), d), self.sub(shape, d)),
            8 => format!("{} ./ {}", self.sub(shape, d), self.sub(scalar, d)),
            9 => {
                let f = FUNCTIONS[self.pick(FUNCTIONS.len())];
                format!("{f}({})", self.expr(shape, d))
            }
            10 if is_scalar => {
                let k = self.dim();
                let f = ["tr", "det", "logdet"][self.pick(3)];
                format!("{f}({})", self.expr((k.clone(), k), d))
            }
            11 if is_scalar => {
                let (inner, f) = (self.any_shape(), ["sum", "norm2"][self.pick(2)]);
                format!("{f}({})", self.expr(inner, d))
            }
            12 if is_scalar => {
                // A scalar from a Kronecker product: sum, or a trace of square factors.
                let (a, b) = (self.any_shape(), self.any_shape());
                if self.pick(2) == 0 {
                    format!("sum(kron({}, {}))", self.expr(a, d), self.expr(b, d))
                } else {
                    let (a, b) = ((a.0.clone(), a.0), (b.0.clone(), b.0));
                    format!("tr(kron({}, {}))", self.expr(a, d), self.expr(b, d))
                }
            }
            13 if is_scalar => format!("{}^{}", self.sub(shape.clone(), d), self.sub(shape, d)),
            13 if square => {
                let k = ["2", "3", "-1", "-2"][self.pick(4)];
                format!("{}^{k}", self.sub(shape, d))
            }
            14 if square => format!("inv({})", self.expr(shape, d)),
            15 if square => format!("adj({})", self.expr(shape, d)),
            16 if square => format!("diag({})", self.expr((r, "1".into()), d)),
            16 if c == "1" => format!("diag({})", self.expr((r.clone(), r), d)),
            17 if c == "1" => {
                let inner = if self.pick(2) == 0 { (r, c) } else { (c, r) };
                format!("vec({})", self.expr(inner, d))
            }
            18 => {
                let (s, e) = (self.expr(scalar, d), self.expr(shape, d));
                if self.pick(2) == 0 {
                    format!("kron({s}, {e})")
                } else {
                    format!("kron({e}, {s})")
                }
            }
            19 if !is_scalar => format!("0 + {}", self.sub(shape, d)),
            _ => self.leaf(&shape),
        }
    }
}
