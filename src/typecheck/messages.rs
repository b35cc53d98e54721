//! The words of shape errors: what did not fit, how each operand was read, and the
//! declaration that would make the reader's intent explicit.

use crate::env::VarKind;
use crate::lang::Op;
use crate::shape::Fault;

/// An operand as the user wrote it, with its inferred shape, and its name and kind if
/// it is an undeclared name (read by its initial).
pub struct Operand<'e> {
    pub text: String,
    pub shape: String,
    /// Every undeclared name inside it, in order (itself included).
    pub inside: Vec<(&'e str, VarKind)>,
}

impl Operand<'_> {
    /// `A (m×n)`, shortened if long.
    pub fn describe(&self) -> String {
        let text = if self.text.chars().count() > 40 {
            format!("{}…", self.text.chars().take(39).collect::<String>())
        } else {
            self.text.clone()
        };
        format!("{text} ({})", self.shape)
    }
}

impl std::fmt::Display for Operand<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.describe())
    }
}

/// The message and notes for `fault` of `op` on `operands`.
pub fn fault_message(op: Op, fault: Fault, operands: &[Operand]) -> (String, Vec<String>) {
    let x = operands.first().map(Operand::describe).unwrap_or_default();
    let y = operands.get(1).map(Operand::describe).unwrap_or_default();
    let mut notes = Vec::new();
    let message = match (op, fault) {
        (Op::Add, _) => format!("cannot add {x} and {y}"),
        (Op::Sub, _) => format!("cannot subtract {y} from {x}"),
        (Op::Mul, _) => {
            if operands.iter().all(|o| o.shape.ends_with("×1")) {
                notes
                    .push("for an inner product write `x'*y`, for an outer one `x*y'`".to_string());
            }
            format!("cannot multiply {x} by {y}")
        }
        (Op::HMul, _) => format!("cannot multiply {x} and {y} elementwise: the shapes differ"),
        (Op::HDiv, _) => format!("cannot divide {x} by {y} elementwise: the shapes differ"),
        (Op::HPow, _) => format!("cannot raise {x} to {y} elementwise: the shapes differ"),
        (Op::Pow, Fault::ExponentNotScalar) => format!("the exponent {y} is not a scalar"),
        (Op::Pow, _) => format!("cannot raise the non-square {x} to a power"),
        (_, Fault::NotSquare(_)) => format!("{} of the non-square {x}", what(op)),
        (_, Fault::NotColumn(_)) => format!("{} of the non-vector {x}", what(op)),
        (Op::Unvec, _) => format!("cannot unvec {x} into {y} rows: the length is not a multiple"),
        (_, _) => format!(
            "the operands of {} do not fit: {}",
            op.name(),
            [x, y].join(", ")
        ),
    };
    (message, notes)
}

/// The operator in words, for messages.
fn what(op: Op) -> &'static str {
    match op {
        Op::Tr => "trace",
        Op::Det => "det",
        Op::LogDet => "logdet",
        Op::Inv => "inverse",
        Op::Adj => "adjugate",
        Op::DiagV | Op::Diag => "diag",
        Op::Softmax => "softmax",
        other => other.name(),
    }
}

/// A name the inference would have had to give size 1 (which would change its kind).
pub fn violation_note(kind: &Option<VarKind>, name: &str) -> String {
    match kind {
        Some(VarKind::Matrix) => format!(
            "`{name}` is not declared, so it is read as a matrix; here it would need a size 1 \
             (a vector or a scalar). Declare it if that is what it is: e.g. `--let \"{name}: scalar\"` \
             or `--let \"{name}: vector(n)\"`"
        ),
        _ => format!(
            "`{name}` is not declared, so it is read as a vector; here it would need length 1, \
             which is a scalar. If it is one, declare it: `--let \"{name}: scalar\"`"
        ),
    }
}

/// For operators where another reading exists, which undeclared names (the operands
/// and the names inside them) may be meant as scalars; and those names.
pub fn guesses<'e>(operands: &[Operand<'e>], op: Op) -> (Vec<String>, Vec<&'e str>) {
    let mut names: Vec<&str> = Vec::new();
    for (n, _) in operands.iter().flat_map(|o| o.inside.iter()) {
        if !names.contains(n) {
            names.push(n);
        }
    }
    let relevant = matches!(
        op,
        Op::Mul | Op::HMul | Op::HDiv | Op::Pow | Op::Add | Op::Sub
    );
    if names.is_empty() || !relevant {
        return (Vec::new(), Vec::new());
    }
    let quoted: Vec<String> = names.iter().map(|n| format!("`{n}`")).collect();
    // A power needs every operand scalar; a product or sum, one of them (the example
    // declares them all: the user keeps the ones meant).
    let all = op == Op::Pow;
    let readings = match (quoted.as_slice(), all) {
        ([one], _) => format!("{one} may be meant as a scalar"),
        ([a, b], false) => format!("either {a} or {b} may be meant as a scalar"),
        ([rest @ .., last], false) => {
            format!(
                "one of {} or {last} may be meant as a scalar",
                rest.join(", ")
            )
        }
        ([rest @ .., last], true) => {
            format!("{} and {last} may be meant as scalars", rest.join(", "))
        }
        ([], _) => String::new(),
    };
    // A power: one declaration of them all; otherwise each reading is its own example.
    let example = if all {
        let decl: Vec<String> = names.iter().map(|n| format!("{n}: scalar")).collect();
        format!("`--let \"{}\"`", decl.join("; "))
    } else {
        let each: Vec<String> = names
            .iter()
            .map(|n| format!("`--let \"{n}: scalar\"`"))
            .collect();
        each.join(" or ")
    };
    let note = format!(
        "{readings}; undeclared lower-case names are vectors and capitals matrices, so \
         no scalar is assumed: declare what you mean, e.g. {example}"
    );
    (vec![note], names)
}

/// The function a user probably meant: names from other tools, and the known function
/// closest in spelling.
pub fn suggestion(name: &str) -> Option<String> {
    let aliases: &[(&str, &str)] = &[
        ("trace", "tr"),
        ("Tr", "tr"),
        ("inverse", "inv"),
        ("transpose", "A'"),
        ("log_det", "logdet"),
        ("ln", "log"),
        ("determinant", "det"),
        ("kronecker", "kron"),
        ("norm", "norm2"),
        ("sigm", "sigmoid"),
        ("logistic", "sigmoid"),
        ("asin", "arcsin"),
        ("acos", "arccos"),
        ("atan", "arctan"),
        ("heaviside", "step"),
        ("diagonal", "diag"),
        ("identity", "I"),
        ("zeros", "zeros(m, n)"),
        ("lse", "logsumexp"),
        ("arcsinh", "log(x + sqrt(x^2 + 1))"),
        ("power", "^ or .^"),
        ("max", "relu(a - b) + b"),
    ];
    // An alias whose name has since become a function of the table is never a hint.
    let aliases: Vec<(&str, &str)> = aliases
        .iter()
        .copied()
        .filter(|(k, _)| Op::from_call(k).is_empty())
        .collect();
    if let Some((_, v)) = aliases.iter().find(|(k, _)| *k == name) {
        return Some(v.to_string());
    }
    let mut known: Vec<&str> = Op::ALL
        .iter()
        .filter_map(|o| match o.info().text {
            crate::lang::Text::Call(n) => Some(n),
            _ => None,
        })
        .collect();
    known.extend(["ones", "eye", "vector", "matrix", "zeros"]);
    let lower = name.to_ascii_lowercase();
    // Misspellings of the other tools' names count too: `tarce` is `trace`, so `tr`.
    let spelled = known
        .iter()
        .map(|k| (*k, *k))
        .chain(aliases.iter().copied());
    let best = spelled
        .map(|(k, v)| (edit_distance(&lower, k), k.len(), v))
        .min_by_key(|(d, len, _)| (*d, *len))?;
    let limit = if name.len() <= 3 { 1 } else { 2 };
    (best.0 <= limit).then(|| best.2.to_string())
}

/// Levenshtein distance (the names are short).
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let sub = prev[j] + usize::from(ca != *cb);
            cur[j + 1] = sub.min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}
