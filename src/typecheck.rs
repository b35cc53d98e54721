//! Shapes of a parsed expression: sizes inferred by unification, every mismatch reported
//! with its span and the shapes involved, then lowering to the e-graph language with
//! every size resolved.

use egg::{Id, RecExpr, Symbol};

use crate::dim::{dim_mul, Dim, Shape};
use crate::env::{Env, VarInfo, VarKind};
use crate::error::{Diagnostic, Input};
use crate::lang::{Math, Number, ShapedConst};
use crate::syntax::ast::{BinOp, Expr, ExprKind, Span};
use crate::syntax::decls::{DeclKind, Decls};

/// A type-checked expression: the e-graph form, its shape, and its names.
#[derive(Debug, Clone)]
pub struct Typed {
    pub expr: RecExpr<Math>,
    pub shape: Shape,
}

/// A size during inference: a known dimension, an unknown one, or a product (kron, vec).
#[derive(Debug, Clone, PartialEq)]
enum Term {
    Known(Dim),
    Var(usize),
    Prod(Box<Term>, Box<Term>),
}

type TShape = (Term, Term);

const FUNCTIONS: &[(&str, usize)] = &[
    ("tr", 1),
    ("det", 1),
    ("logdet", 1),
    ("inv", 1),
    ("adj", 1),
    ("kron", 2),
    ("diag", 1),
    ("vec", 1),
    ("sum", 1),
    ("norm2", 1),
    ("exp", 1),
    ("log", 1),
    ("sin", 1),
    ("cos", 1),
    ("tanh", 1),
    ("sigmoid", 1),
    ("sqrt", 1),
];

/// Checks several expressions that share one set of names (one for `derive`, two for
/// `equiv`), returning every problem found in any of them.
pub fn typecheck(
    exprs: &[(&Expr, Input, &str)],
    decls: &Decls,
) -> Result<(Vec<Typed>, Env), Vec<Diagnostic>> {
    typecheck_shaped(exprs, decls, &[])
}

/// Like `typecheck`, where the i-th expression must have the shape `shapes[i]` (when
/// given): an `I` standing alone, or inside a `kron`, then takes its size from it.
pub fn typecheck_shaped(
    exprs: &[(&Expr, Input, &str)],
    decls: &Decls,
    shapes: &[Option<Shape>],
) -> Result<(Vec<Typed>, Env), Vec<Diagnostic>> {
    let mut cx = Checker::new(decls);
    let mut pending = Vec::new();
    for (i, (expr, input, src)) in exprs.iter().enumerate() {
        cx.input = *input;
        cx.src = src.to_string();
        let mut nodes = Vec::new();
        let (_, shape) = cx.check(expr, &mut nodes);
        if let Some(Some(want)) = shapes.get(i) {
            let fits = cx.unify(&shape.0, &Term::Known(want.rows))
                && cx.unify(&shape.1, &Term::Known(want.cols));
            if !fits {
                let have = cx.show(&shape);
                cx.error(
                    format!("this has shape {have}, but {want} is wanted here"),
                    expr.span,
                );
            }
        }
        pending.push((nodes, shape));
    }
    cx.name_free_vars();
    cx.check_deferred();
    if !cx.errors.is_empty() {
        return Err(cx.errors);
    }
    let env = cx.env();
    let typed = pending
        .into_iter()
        .map(|(nodes, shape)| {
            let nodes: Vec<Math> = nodes.into_iter().map(|n| cx.resolve_node(n)).collect();
            Typed {
                expr: RecExpr::from(nodes),
                shape: cx.shape(&shape),
            }
        })
        .collect();
    Ok((typed, env))
}

/// A node before sizes are known: shaped constants still hold inference terms.
#[derive(Debug, Clone)]
enum PNode {
    Done(Math),
    Eye(Term),
    Ones(Term),
    Zero(TShape),
}

struct Checker<'a> {
    decls: &'a Decls,
    parent: Vec<usize>,
    binding: Vec<Option<Term>>,
    names: Vec<(String, VarKind, TShape, bool)>,
    deferred: Vec<(Term, Term, Diagnostic)>,
    errors: Vec<Diagnostic>,
    input: Input,
    src: String,
    resolved_names: Vec<Option<Dim>>,
    /// The operator being checked, for size constraints decided only at the end.
    at: Span,
    /// Notes for the next error: operands whose kind was guessed from their initial.
    guesses: Vec<String>,
}

impl<'a> Checker<'a> {
    fn new(decls: &'a Decls) -> Checker<'a> {
        let mut cx = Checker {
            decls,
            parent: Vec::new(),
            binding: Vec::new(),
            names: Vec::new(),
            deferred: Vec::new(),
            errors: Vec::new(),
            input: Input::Expr,
            src: String::new(),
            resolved_names: Vec::new(),
            at: Span::default(),
            guesses: Vec::new(),
        };
        // Declared names first, in their order, so that `show` lists them as declared.
        for (name, decl) in decls {
            let _ = cx.declared(name, &decl.kind);
        }
        cx
    }

    fn fresh(&mut self) -> Term {
        self.parent.push(self.parent.len());
        self.binding.push(None);
        Term::Var(self.parent.len() - 1)
    }

    fn find(&mut self, v: usize) -> usize {
        let mut r = v;
        while self.parent[r] != r {
            r = self.parent[r];
        }
        let mut c = v;
        while self.parent[c] != r {
            let next = self.parent[c];
            self.parent[c] = r;
            c = next;
        }
        r
    }

    /// A term with bound variables replaced, as far as they are bound.
    fn walk(&mut self, t: &Term) -> Term {
        match t {
            Term::Known(_) => t.clone(),
            Term::Var(v) => {
                let r = self.find(*v);
                match self.binding[r].clone() {
                    Some(b) => self.walk(&b),
                    None => Term::Var(r),
                }
            }
            Term::Prod(a, b) => {
                let (a, b) = (self.walk(a), self.walk(b));
                match (&a, &b) {
                    (Term::Known(x), Term::Known(y)) => Term::Known(dim_mul(*x, *y)),
                    // 1*t is t: `kron(s, I)` must unify like `I`, not wait as a product.
                    (Term::Known(x), t) | (t, Term::Known(x)) if x.is_one() => t.clone(),
                    _ => Term::Prod(Box::new(a), Box::new(b)),
                }
            }
        }
    }

    /// Makes two sizes equal; `false` if they are known to differ.
    fn unify(&mut self, a: &Term, b: &Term) -> bool {
        let (a, b) = (self.walk(a), self.walk(b));
        match (a, b) {
            (Term::Var(x), Term::Var(y)) => {
                if x != y {
                    // The older variable stays the representative, so names come in order.
                    let (lo, hi) = (x.min(y), x.max(y));
                    self.parent[hi] = lo;
                }
                true
            }
            (Term::Var(x), t) | (t, Term::Var(x)) => {
                self.binding[x] = Some(t);
                true
            }
            (Term::Known(x), Term::Known(y)) => x == y,
            // A product of a known size and an unknown one, against a known size: the
            // unknown one is the quotient (kron(a', I) of a known shape sizes its I).
            (Term::Prod(p, q), Term::Known(k)) | (Term::Known(k), Term::Prod(p, q)) => {
                match self.quotient(&p, &q, k) {
                    Some((unknown, size)) => self.unify(&unknown, &Term::Known(size)),
                    None => {
                        let d = Diagnostic::new(String::new(), self.at).in_input(self.input);
                        self.deferred.push((Term::Prod(p, q), Term::Known(k), d));
                        true
                    }
                }
            }
            (a, b) => {
                // A product against something not yet known: decide once all is named.
                let d = Diagnostic::new(String::new(), self.at).in_input(self.input);
                self.deferred.push((a, b, d));
                true
            }
        }
    }

    /// For `p*q = k` with one factor known: the other factor and its size `k / known`.
    fn quotient(&mut self, p: &Term, q: &Term, k: Dim) -> Option<(Term, Dim)> {
        let (p, q) = (self.walk(p), self.walk(q));
        let (known, unknown) = match (&p, &q) {
            (Term::Known(a), other) | (other, Term::Known(a))
                if !matches!(other, Term::Known(_)) =>
            {
                (*a, other.clone())
            }
            _ => return None,
        };
        let mut rest: Vec<&str> = k.factors();
        for f in known.factors() {
            let at = rest.iter().position(|r| *r == f)?;
            rest.remove(at);
        }
        let size = if rest.is_empty() {
            Dim::one()
        } else {
            Dim::new(&rest.join("*"))
        };
        Some((unknown, size))
    }

    fn is_scalar(&mut self, s: &TShape) -> bool {
        let one = Term::Known(Dim::one());
        self.walk(&s.0) == one && self.walk(&s.1) == one
    }

    fn known_one(&mut self, t: &Term) -> bool {
        self.walk(t) == Term::Known(Dim::one())
    }

    fn show_term(&mut self, t: &Term) -> String {
        match self.walk(t) {
            Term::Known(d) => d.to_string(),
            Term::Var(_) => "?".to_string(),
            Term::Prod(a, b) => format!("{}*{}", self.show_term(&a), self.show_term(&b)),
        }
    }

    fn show(&mut self, s: &TShape) -> String {
        format!("{}×{}", self.show_term(&s.0), self.show_term(&s.1))
    }

    /// `A (m×n)`: an operand as written, with its shape.
    fn operand(&mut self, e: &Expr, s: &TShape) -> String {
        let text = self.src.get(e.span.start..e.span.end).unwrap_or("?");
        let text = if text.chars().count() > 40 {
            format!("{}…", text.chars().take(39).collect::<String>())
        } else {
            text.to_string()
        };
        if let ExprKind::Name(n) = &e.kind {
            if let Some(v) = self.names.iter().find(|v| &v.0 == n && !v.3) {
                self.guesses.push(format!(
                    "`{n}` is not declared, so it is taken to be a {}; declare it if it is \
                     something else (e.g. `--let \"{n}: scalar\"`)",
                    v.1.name()
                ));
            }
        }
        format!("{text} ({})", self.show(s))
    }

    fn error(&mut self, message: String, span: Span) -> TShape {
        let mut d = Diagnostic::new(message, span).in_input(self.input);
        d.notes.append(&mut self.guesses);
        self.errors.push(d);
        // A fresh shape unifies with anything, so one mistake is reported once.
        (self.fresh(), self.fresh())
    }

    fn dim_term(&mut self, name: &Option<String>) -> Term {
        match name {
            Some(d) => Term::Known(Dim::new(d)),
            None => self.fresh(),
        }
    }

    fn declared(&mut self, name: &str, kind: &DeclKind) -> usize {
        let (k, shape) = match kind {
            DeclKind::Scalar => (
                VarKind::Scalar,
                (Term::Known(Dim::one()), Term::Known(Dim::one())),
            ),
            DeclKind::Vector(n) => (VarKind::Vector, (self.dim_term(n), Term::Known(Dim::one()))),
            DeclKind::Symmetric(n) => {
                let t = self.dim_term(n);
                (VarKind::Symmetric, (t.clone(), t))
            }
            DeclKind::Matrix(d) => {
                let (r, c) = match d {
                    Some((r, c)) => (Term::Known(Dim::new(r)), Term::Known(Dim::new(c))),
                    None => (self.fresh(), self.fresh()),
                };
                (VarKind::Matrix, (r, c))
            }
        };
        self.names.push((name.to_string(), k, shape, true));
        self.names.len() - 1
    }

    fn name_shape(&mut self, name: &str) -> TShape {
        if let Some(i) = self.names.iter().position(|n| n.0 == name) {
            return self.names[i].2.clone();
        }
        // SPEC §1: a capital initial is a matrix, a lower-case one a vector.
        let upper = name.chars().next().is_some_and(|c| c.is_ascii_uppercase());
        let (kind, shape) = if upper {
            (VarKind::Matrix, (self.fresh(), self.fresh()))
        } else {
            (VarKind::Vector, (self.fresh(), Term::Known(Dim::one())))
        };
        self.names
            .push((name.to_string(), kind, shape.clone(), false));
        shape
    }

    fn push(nodes: &mut Vec<PNode>, n: PNode) -> Id {
        nodes.push(n);
        Id::from(nodes.len() - 1)
    }

    fn check(&mut self, e: &Expr, nodes: &mut Vec<PNode>) -> (Id, TShape) {
        let one = || Term::Known(Dim::one());
        match &e.kind {
            ExprKind::Num(v) => {
                let n = Number::new(*v).unwrap_or_else(|| Number::new(0.0).expect("0 is a number"));
                (Self::push(nodes, PNode::Done(Math::Num(n))), (one(), one()))
            }
            ExprKind::Name(name) => self.check_name(name, e.span, nodes),
            ExprKind::Neg(a) => {
                let (ia, sa) = self.check(a, nodes);
                // `-2` is the literal -2, so that printing and parsing agree.
                if let PNode::Done(Math::Num(n)) = &nodes[usize::from(ia)] {
                    let neg = Number::new(-n.value()).unwrap_or(*n);
                    nodes[usize::from(ia)] = PNode::Done(Math::Num(neg));
                    return (ia, sa);
                }
                (Self::push(nodes, PNode::Done(Math::Neg(ia))), sa)
            }
            ExprKind::Transpose(a) => {
                let (ia, sa) = self.check(a, nodes);
                (
                    Self::push(nodes, PNode::Done(Math::Trans(ia))),
                    (sa.1, sa.0),
                )
            }
            ExprKind::Binary(op, a, b) => self.check_binary(*op, a, b, e.span, nodes),
            ExprKind::Call {
                name,
                name_span,
                args,
            } => self.check_call(name, *name_span, args, e.span, nodes),
        }
    }

    fn check_name(&mut self, name: &str, span: Span, nodes: &mut Vec<PNode>) -> (Id, TShape) {
        if name == "I" && !self.decls.contains_key("I") {
            let n = self.fresh();
            return (Self::push(nodes, PNode::Eye(n.clone())), (n.clone(), n));
        }
        if name == "ones" {
            let n = self.fresh();
            return (
                Self::push(nodes, PNode::Ones(n.clone())),
                (n, Term::Known(Dim::one())),
            );
        }
        if FUNCTIONS.iter().any(|(f, _)| *f == name) {
            let s = self.error(format!("`{name}` is a function: write `{name}(…)`"), span);
            return (
                Self::push(nodes, PNode::Done(Math::Sym(Symbol::from(name)))),
                s,
            );
        }
        let s = self.name_shape(name);
        (
            Self::push(nodes, PNode::Done(Math::Sym(Symbol::from(name)))),
            s,
        )
    }

    fn check_binary(
        &mut self,
        op: BinOp,
        a: &Expr,
        b: &Expr,
        span: Span,
        nodes: &mut Vec<PNode>,
    ) -> (Id, TShape) {
        let (ia, sa) = self.check(a, nodes);
        let (ib, sb) = self.check(b, nodes);
        self.at = span;
        let done = |m: Math| PNode::Done(m);
        match op {
            BinOp::Add | BinOp::Sub => {
                let (ia, ib) = (
                    self.zero_to_shape(a, ia, &sb, nodes),
                    self.zero_to_shape(b, ib, &sa, nodes),
                );
                let sa = if is_zero_literal(a) { sb.clone() } else { sa };
                let sb = if is_zero_literal(b) { sa.clone() } else { sb };
                let ok = self.unify(&sa.0, &sb.0) && self.unify(&sa.1, &sb.1);
                let shape = if ok {
                    sa
                } else {
                    let word = if op == BinOp::Add { "add" } else { "subtract" };
                    let (x, y) = (self.operand(a, &sa), self.operand(b, &sb));
                    let msg = if op == BinOp::Add {
                        format!("cannot {word} {x} and {y}")
                    } else {
                        format!("cannot {word} {y} from {x}")
                    };
                    self.error(msg, span)
                };
                let m = if op == BinOp::Add {
                    Math::Add([ia, ib])
                } else {
                    Math::Sub([ia, ib])
                };
                (Self::push(nodes, done(m)), shape)
            }
            BinOp::Mul => {
                let shape = if self.is_scalar(&sa) {
                    sb
                } else if self.is_scalar(&sb) {
                    sa
                } else if self.unify(&sa.1, &sb.0) {
                    (sa.0, sb.1)
                } else {
                    let (x, y) = (self.operand(a, &sa), self.operand(b, &sb));
                    self.error(format!("cannot multiply {x} by {y}"), span)
                };
                (Self::push(nodes, done(Math::Mul([ia, ib]))), shape)
            }
            BinOp::HMul | BinOp::HDiv => {
                let shape = if self.is_scalar(&sb) {
                    sa
                } else if self.is_scalar(&sa) {
                    sb
                } else if self.unify(&sa.0, &sb.0) && self.unify(&sa.1, &sb.1) {
                    sa
                } else {
                    let what = if op == BinOp::HMul {
                        "multiply"
                    } else {
                        "divide"
                    };
                    let (x, y) = (self.operand(a, &sa), self.operand(b, &sb));
                    self.error(
                        format!("cannot {what} {x} and {y} elementwise: the shapes differ"),
                        span,
                    )
                };
                let m = if op == BinOp::HMul {
                    Math::HMul([ia, ib])
                } else {
                    Math::HDiv([ia, ib])
                };
                (Self::push(nodes, done(m)), shape)
            }
            // `a / s` divides by a scalar; it is read as the elementwise `a ./ s`.
            BinOp::Div => {
                let shape = if self.is_scalar(&sb) {
                    sa
                } else {
                    let (x, y) = (self.operand(a, &sa), self.operand(b, &sb));
                    self.error(
                        format!("cannot divide {x} by {y}: `/` divides by a scalar (use `./` elementwise, or inv(…))"),
                        span,
                    )
                };
                (Self::push(nodes, done(Math::HDiv([ia, ib]))), shape)
            }
            BinOp::Pow => self.check_pow(a, b, (ia, sa), (ib, sb), span, nodes),
        }
    }

    /// A literal `0` added to a matrix is that matrix's zero.
    fn zero_to_shape(&mut self, e: &Expr, id: Id, other: &TShape, nodes: &mut [PNode]) -> Id {
        if is_zero_literal(e) && !self.is_scalar(other) {
            nodes[usize::from(id)] = PNode::Zero(other.clone());
        }
        id
    }

    fn check_pow(
        &mut self,
        a: &Expr,
        b: &Expr,
        (ia, sa): (Id, TShape),
        (ib, sb): (Id, TShape),
        span: Span,
        nodes: &mut Vec<PNode>,
    ) -> (Id, TShape) {
        if !self.is_scalar(&sb) {
            let y = self.operand(b, &sb);
            let s = self.error(format!("the exponent {y} is not a scalar"), b.span);
            return (Self::push(nodes, PNode::Done(Math::Pow([ia, ib]))), s);
        }
        if self.is_scalar(&sa) {
            return (Self::push(nodes, PNode::Done(Math::Pow([ia, ib]))), sa);
        }
        // A matrix power: square base, whole-number exponent.
        let k = match nodes[usize::from(ib)] {
            PNode::Done(Math::Num(n)) if n.is_integer() => n.value() as i64,
            _ => {
                let x = self.operand(a, &sa);
                let s = self.error(
                    format!("a matrix power needs a whole-number exponent: {x} ^ …"),
                    b.span,
                );
                return (Self::push(nodes, PNode::Done(Math::Pow([ia, ib]))), s);
            }
        };
        if self.known_one(&sa.1) {
            let x = self.operand(a, &sa);
            let s = self.error(
                format!("cannot raise the vector {x} to a power (use .* or norm2)"),
                span,
            );
            return (Self::push(nodes, PNode::Done(Math::Pow([ia, ib]))), s);
        }
        if !self.unify(&sa.0, &sa.1) {
            let x = self.operand(a, &sa);
            let s = self.error(format!("cannot raise the non-square {x} to a power"), span);
            return (Self::push(nodes, PNode::Done(Math::Pow([ia, ib]))), s);
        }
        let node = match k {
            -1 => {
                // The literal `-1` is the last node and nothing else uses it: drop it, so
                // `X^-1` and `inv(X)` are the same RecExpr.
                if usize::from(ib) + 1 == nodes.len() {
                    nodes.pop();
                }
                Math::Inv(ia)
            }
            k if k < -1 => {
                let pos = Number::new(-(k as f64)).expect("an integer is a number");
                nodes[usize::from(ib)] = PNode::Done(Math::Num(pos));
                let p = Self::push(nodes, PNode::Done(Math::Pow([ia, ib])));
                Math::Inv(p)
            }
            _ => Math::Pow([ia, ib]),
        };
        (Self::push(nodes, PNode::Done(node)), sa)
    }

    fn check_call(
        &mut self,
        name: &str,
        name_span: Span,
        args: &[Expr],
        span: Span,
        nodes: &mut Vec<PNode>,
    ) -> (Id, TShape) {
        if name == "ones" {
            return self.check_ones(args, span, nodes);
        }
        if name == "I" && !self.decls.contains_key("I") {
            // `I(n)`: the identity with its size given, for where context cannot tell it.
            return match args {
                [a] => match size_of(a) {
                    Some(n) => {
                        let t = Term::Known(n);
                        (Self::push(nodes, PNode::Eye(t.clone())), (t.clone(), t))
                    }
                    None => {
                        let s = self.error(
                            "`I(…)` takes a size: a name, a whole number or a product".into(),
                            a.span,
                        );
                        (Self::push(nodes, PNode::Eye(s.0.clone())), s)
                    }
                },
                _ => {
                    let s = self.error("`I(n)` takes one size".into(), span);
                    (Self::push(nodes, PNode::Eye(s.0.clone())), s)
                }
            };
        }
        if name == "K" && !self.decls.contains_key("K") {
            return self.check_commutation(args, span, nodes);
        }
        let Some(&(_, arity)) = FUNCTIONS.iter().find(|(f, _)| *f == name) else {
            let hint = suggestion(name)
                .map(|s| format!(" (did you mean `{s}`?)"))
                .unwrap_or_default();
            let s = self.error(format!("unknown function `{name}`{hint}"), name_span);
            // Still check the arguments, so their own mistakes are reported too.
            for a in args {
                self.check(a, nodes);
            }
            return (
                Self::push(nodes, PNode::Done(Math::Sym(Symbol::from(name)))),
                s,
            );
        };
        let checked: Vec<(Id, TShape)> = args.iter().map(|a| self.check(a, nodes)).collect();
        self.at = span;
        if checked.len() != arity {
            let s = self.error(
                format!(
                    "`{name}` takes {arity} argument{}, found {}",
                    if arity == 1 { "" } else { "s" },
                    checked.len()
                ),
                span,
            );
            let id = checked.first().map(|c| c.0).unwrap_or_else(|| {
                Self::push(nodes, PNode::Done(Math::Num(Number::new(0.0).expect("0"))))
            });
            return (id, s);
        }
        let (ia, sa) = checked[0].clone();
        let one = Term::Known(Dim::one());
        let scalar = (one.clone(), one.clone());
        let square = |cx: &mut Self, what: &str| -> bool {
            if cx.unify(&sa.0, &sa.1) {
                true
            } else {
                let x = cx.operand(&args[0], &sa);
                cx.error(format!("{what} of the non-square {x}"), span);
                false
            }
        };
        let (node, shape) = match name {
            "tr" => (Math::Tr(ia), {
                square(self, "trace");
                scalar
            }),
            "det" => (Math::Det(ia), {
                square(self, "det");
                scalar
            }),
            "logdet" => (Math::LogDet(ia), {
                square(self, "logdet");
                scalar
            }),
            "inv" => (Math::Inv(ia), {
                square(self, "inverse");
                sa.clone()
            }),
            "adj" => (Math::Adj(ia), {
                square(self, "adjugate");
                sa.clone()
            }),
            "sum" => (Math::Sum(ia), scalar),
            "norm2" => (Math::Norm2(ia), scalar),
            "vec" => (
                Math::Vec(ia),
                (
                    Term::Prod(Box::new(sa.0.clone()), Box::new(sa.1.clone())),
                    one,
                ),
            ),
            "kron" => {
                let (ib, sb) = checked[1].clone();
                (
                    Math::Kron([ia, ib]),
                    (
                        Term::Prod(Box::new(sa.0.clone()), Box::new(sb.0)),
                        Term::Prod(Box::new(sa.1.clone()), Box::new(sb.1)),
                    ),
                )
            }
            "diag" => {
                if self.known_one(&sa.1) {
                    (Math::Diag(ia), (sa.0.clone(), sa.0.clone()))
                } else if self.unify(&sa.0, &sa.1) {
                    (Math::DiagV(ia), (sa.0.clone(), one))
                } else {
                    let x = self.operand(&args[0], &sa);
                    let s = self.error(format!("diag of the non-square {x}"), span);
                    (Math::DiagV(ia), s)
                }
            }
            f => {
                let node = match f {
                    "exp" => Math::Exp(ia),
                    "log" => Math::Log(ia),
                    "sin" => Math::Sin(ia),
                    "cos" => Math::Cos(ia),
                    "tanh" => Math::Tanh(ia),
                    "sigmoid" => Math::Sigmoid(ia),
                    _ => Math::Sqrt(ia),
                };
                (node, sa.clone())
            }
        };
        (Self::push(nodes, PNode::Done(node)), shape)
    }

    fn check_ones(&mut self, args: &[Expr], span: Span, nodes: &mut Vec<PNode>) -> (Id, TShape) {
        let n = match args {
            [] => self.fresh(),
            [a] => match size_of(a) {
                Some(d) => Term::Known(d),
                None => {
                    let s = self.error(
                        "`ones` takes a size: a name, a whole number or a product of them".into(),
                        a.span,
                    );
                    return (Self::push(nodes, PNode::Ones(s.0.clone())), s);
                }
            },
            _ => {
                let s = self.error("`ones` takes one size".into(), span);
                return (Self::push(nodes, PNode::Ones(s.0.clone())), s);
            }
        };
        (
            Self::push(nodes, PNode::Ones(n.clone())),
            (n, Term::Known(Dim::one())),
        )
    }

    /// `K(m, n)`: the commutation matrix, mn×mn, with K vec(A) = vec(A') for A m×n.
    fn check_commutation(
        &mut self,
        args: &[Expr],
        span: Span,
        nodes: &mut Vec<PNode>,
    ) -> (Id, TShape) {
        let sizes: Option<Vec<Dim>> = args.iter().map(size_of).collect();
        match sizes.as_deref() {
            Some([m, n]) => {
                let mn = Term::Known(dim_mul(*m, *n));
                let node = PNode::Done(Math::Const(ShapedConst::Commutation(*m, *n)));
                (Self::push(nodes, node), (mn.clone(), mn))
            }
            _ => {
                let s = self.error(
                    "`K` takes two sizes: K(m, n) is the commutation matrix".into(),
                    span,
                );
                let zero = PNode::Done(Math::Num(Number::new(0.0).expect("0 is a number")));
                (Self::push(nodes, zero), s)
            }
        }
    }

    /// Names every still-unknown size, in order of creation, avoiding declared sizes.
    fn name_free_vars(&mut self) {
        let mut used: Vec<String> = Vec::new();
        for d in self.decls.values() {
            match &d.kind {
                DeclKind::Vector(Some(n)) | DeclKind::Symmetric(Some(n)) => used.push(n.clone()),
                DeclKind::Matrix(Some((r, c))) => {
                    used.push(r.clone());
                    used.push(c.clone())
                }
                _ => {}
            }
        }
        for (name, ..) in &self.names {
            used.push(name.clone());
        }
        let pool = [
            "n", "m", "p", "q", "r", "k", "l", "h", "s", "t", "u", "v", "w",
        ];
        let mut next = 0;
        self.resolved_names = vec![None; self.parent.len()];
        for v in 0..self.parent.len() {
            let r = self.find(v);
            if r != v || self.binding[r].is_some() {
                continue;
            }
            let name = loop {
                let candidate = if next < pool.len() {
                    pool[next].to_string()
                } else {
                    format!("d{}", next - pool.len() + 1)
                };
                next += 1;
                if !used.contains(&candidate) {
                    break candidate;
                }
            };
            self.binding[r] = Some(Term::Known(Dim::new(&name)));
        }
    }

    fn check_deferred(&mut self) {
        let deferred = std::mem::take(&mut self.deferred);
        for (a, b, at) in deferred {
            let (x, y) = (self.resolve(&a), self.resolve(&b));
            if x == y {
                continue;
            }
            let d = Diagnostic::new(format!("cannot infer sizes here: {x} must equal {y}"), at.span)
                .in_input(at.input)
                .with_note("a size inside `kron` or `vec` is not inferred from the size of the result: declare it");
            // Rows and columns often fail alike: say it once.
            if !self.errors.contains(&d) {
                self.errors.push(d);
            }
        }
    }

    fn resolve(&mut self, t: &Term) -> Dim {
        match self.walk(t) {
            Term::Known(d) => d,
            Term::Var(_) => Dim::new("?"),
            Term::Prod(a, b) => dim_mul(self.resolve(&a), self.resolve(&b)),
        }
    }

    fn shape(&mut self, s: &TShape) -> Shape {
        Shape::new(self.resolve(&s.0), self.resolve(&s.1))
    }

    fn resolve_node(&mut self, n: PNode) -> Math {
        match n {
            PNode::Done(m) => m,
            PNode::Eye(t) => Math::Const(ShapedConst::Eye(self.resolve(&t))),
            PNode::Ones(t) => Math::Const(ShapedConst::Ones(self.resolve(&t))),
            PNode::Zero(s) => Math::zero(self.shape(&s)),
        }
    }

    fn env(&mut self) -> Env {
        let mut env = Env::default();
        let names = std::mem::take(&mut self.names);
        for (name, kind, shape, declared) in &names {
            let shape = self.shape(shape);
            env.vars.insert(
                Symbol::from(name.as_str()),
                VarInfo {
                    kind: *kind,
                    shape,
                    declared: *declared,
                },
            );
        }
        self.names = names;
        env
    }
}

/// A size written in `ones(…)`: a name, a whole number, or a product (`ones(m*n)`, as
/// the printer writes the ones of a `vec`).
fn size_of(e: &Expr) -> Option<Dim> {
    match &e.kind {
        ExprKind::Name(d) => Some(Dim::new(d)),
        ExprKind::Num(v) if v.fract() == 0.0 && *v >= 1.0 => {
            Some(Dim::new(&(*v as u64).to_string()))
        }
        ExprKind::Binary(BinOp::Mul, a, b) => Some(dim_mul(size_of(a)?, size_of(b)?)),
        _ => None,
    }
}

fn is_zero_literal(e: &Expr) -> bool {
    matches!(e.kind, ExprKind::Num(v) if v == 0.0)
}

/// The function a user probably meant, for names from other tools.
fn suggestion(name: &str) -> Option<&'static str> {
    let known: &[(&str, &str)] = &[
        ("trace", "tr"),
        ("Tr", "tr"),
        ("inverse", "inv"),
        ("transpose", "A'"),
        ("logdet", "logdet"),
        ("log_det", "logdet"),
        ("ln", "log"),
        ("determinant", "det"),
        ("kronecker", "kron"),
        ("norm", "norm2"),
        ("sigm", "sigmoid"),
        ("logistic", "sigmoid"),
        ("eye", "I"),
        ("abs", "sqrt(x .* x)"),
    ];
    known.iter().find(|(k, _)| *k == name).map(|(_, v)| *v)
}
