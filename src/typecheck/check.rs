//! Checking one expression node by node: each operator through its table rule, plus
//! the surface forms the table does not know (names, constants, broadcasting, `where`).

use egg::{Id, Symbol};

use super::messages::{self, Operand};
use super::{Checker, PNode, TShape};
use crate::error::Span;
use crate::lang::{Math, Number, Op, Text};
use crate::shape::infer::Size;
use crate::shape::{dim_mul, Dim, Fault, Sh, ShapeRule};
use crate::syntax::ast::{BinOp, Expr, ExprKind, Program};
use crate::syntax::decls::is_builtin;

fn push(nodes: &mut Vec<PNode>, n: PNode) -> Id {
    nodes.push(n);
    Id::from(nodes.len() - 1)
}

fn done(nodes: &mut Vec<PNode>, m: Math) -> Id {
    push(nodes, PNode::Done(m))
}

/// A size written in `I(…)`, `ones(…)`, `K(…)`: a name, a whole number, or a product.
fn size_of(e: &Expr) -> Option<Dim> {
    match &e.kind {
        ExprKind::Name(d) if !is_builtin(d) => Some(Dim::new(d)),
        ExprKind::Num(v) if v.fract() == 0.0 && *v >= 1.0 && *v < 1e9 => Some(Dim::int(*v as u64)),
        ExprKind::Binary(BinOp::Mul, a, b) => Some(dim_mul(size_of(a)?, size_of(b)?)),
        _ => None,
    }
}

fn literal(e: &Expr) -> Option<f64> {
    match &e.kind {
        ExprKind::Num(v) => Some(*v),
        ExprKind::Neg(a) => literal(a).map(|v| -v),
        _ => None,
    }
}

impl Checker<'_> {
    pub(super) fn program(&mut self, p: &Program, nodes: &mut Vec<PNode>) -> (Id, TShape) {
        self.defined.clear();
        // Only the definitions that stand: a rejected one is reported once, at its
        // name, and its uses are not reported again as uses before a definition.
        self.definitions = Vec::new();
        for b in &p.bindings {
            let taken = self.decls.contains_key(&b.name) || is_builtin(&b.name);
            if !taken && !self.definitions.contains(&b.name) {
                self.definitions.push(b.name.clone());
            }
        }
        self.defined_anywhere
            .extend(self.definitions.iter().cloned());
        for b in &p.bindings {
            if self.decls.contains_key(&b.name) || is_builtin(&b.name) {
                self.error(
                    format!(
                        "`{}` is already a name: choose another for this definition",
                        b.name
                    ),
                    b.name_span,
                );
                continue;
            }
            if self.defined.contains_key(&b.name) {
                self.error(format!("`{}` is defined twice", b.name), b.name_span);
                continue;
            }
            let checked = self.check(&b.expr, nodes);
            self.defined.insert(b.name.clone(), checked);
        }
        let out = self.check(&p.body, nodes);
        self.defined.clear();
        self.definitions.clear();
        out
    }

    fn operand<'e>(&self, e: &'e Expr, s: &TShape) -> Operand<'e> {
        let text = self.src.get(e.span.start..e.span.end).unwrap_or("?");
        let undeclared = |n: &'e str| {
            self.names
                .get(n)
                .filter(|v| !v.declared)
                .map(|v| (n, v.kind))
        };
        // The undeclared names inside, in order: `exp(s)*x` may mean a scalar `s`.
        let mut inside: Vec<(&'e str, crate::env::VarKind)> = Vec::new();
        let mut stack = vec![e];
        while let Some(x) = stack.pop() {
            match &x.kind {
                ExprKind::Name(n) => {
                    if let Some(u) = undeclared(n.as_str()) {
                        if !inside.contains(&u) {
                            inside.push(u);
                        }
                    }
                }
                ExprKind::Num(_) => {}
                ExprKind::Neg(a) | ExprKind::Transpose(a) => stack.push(a),
                ExprKind::Binary(_, a, b) => stack.extend([b.as_ref(), a.as_ref()]),
                ExprKind::Call { args, .. } => stack.extend(args.iter().rev()),
            }
        }
        Operand {
            text: text.to_string(),
            shape: self.show(s),
            inside,
        }
    }

    pub(super) fn check(&mut self, e: &Expr, nodes: &mut Vec<PNode>) -> (Id, TShape) {
        let one = || Size::one();
        match &e.kind {
            ExprKind::Num(v) => {
                let n = Number::new(*v).unwrap_or_else(|| Number::int(0));
                (done(nodes, Math::Num(n)), Sh::new(one(), one()))
            }
            ExprKind::Name(name) => self.check_name(name, e.span, nodes),
            ExprKind::Neg(a) => {
                // `-2` is the literal -2, so that printing and parsing agree.
                if let Some(v) = literal(e) {
                    let n = Number::new(v).unwrap_or_else(|| Number::int(0));
                    return (done(nodes, Math::Num(n)), Sh::new(one(), one()));
                }
                let (ia, sa) = self.check(a, nodes);
                (done(nodes, Math::unary(Op::Neg, ia)), sa)
            }
            ExprKind::Transpose(a) => {
                let (ia, sa) = self.check(a, nodes);
                (done(nodes, Math::unary(Op::Trans, ia)), sa.transposed())
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
        if let Some((id, s)) = self.defined.get(name) {
            return (*id, s.clone());
        }
        if self.definitions.iter().any(|d| d == name) {
            let s = self.error(format!("`{name}` is used before its definition"), span);
            return (done(nodes, Math::num(0.0)), s);
        }
        match name {
            "I" | "eye" => {
                let n = self.solver.fresh();
                return (push(nodes, PNode::Eye(n.clone())), Sh::new(n.clone(), n));
            }
            "ones" => {
                let n = self.solver.fresh();
                return (
                    push(nodes, PNode::Ones(n.clone(), Size::one())),
                    Sh::new(n, Size::one()),
                );
            }
            _ => {}
        }
        if is_builtin(name) {
            let s = self.error(format!("`{name}` is a function: write `{name}(…)`"), span);
            return (done(nodes, Math::num(0.0)), s);
        }
        let s = self.name_shape(name);
        (done(nodes, Math::Sym(Symbol::from(name))), s)
    }

    /// Applies `op`'s table rule to checked operands, or reports why they do not fit.
    fn apply(
        &mut self,
        op: Op,
        operands: &[(&Expr, Id, TShape)],
        span: Span,
        nodes: &mut Vec<PNode>,
    ) -> (Id, TShape) {
        let shapes: Vec<TShape> = operands.iter().map(|o| o.2.clone()).collect();
        self.solver.tag.span = span;
        let ids: Vec<Id> = operands.iter().map(|o| o.1).collect();
        let node = Math::op(op, &ids).unwrap_or_else(|| Math::num(0.0));
        match op.info().shape.apply(&mut self.solver, &shapes) {
            Ok(s) => {
                // A rule can succeed only by binding an undeclared size to 1 if the
                // binding was refused; a refusal is a failure too.
                let violations = self.solver.take_violations();
                if violations.is_empty() {
                    return (done(nodes, node), s);
                }
                self.fault(op, Fault::Mismatch, operands, span, violations, nodes)
            }
            Err(fault) => {
                let violations = self.solver.take_violations();
                self.fault(op, fault, operands, span, violations, nodes)
            }
        }
    }

    fn fault(
        &mut self,
        op: Op,
        fault: Fault,
        operands: &[(&Expr, Id, TShape)],
        span: Span,
        violations: Vec<crate::shape::infer::Violation>,
        nodes: &mut Vec<PNode>,
    ) -> (Id, TShape) {
        let shown: Vec<Operand> = operands
            .iter()
            .map(|(e, _, s)| self.operand(e, s))
            .collect();
        let (message, mut notes) = messages::fault_message(op, fault, &shown);
        let (guesses, covered) = messages::guesses(&shown, op);
        // A vector name the guess already covers needs no second note (a matrix name
        // keeps its own: it may be meant as a vector too).
        let said = |v: &&crate::shape::infer::Violation| {
            covered.contains(&v.name.as_str())
                && self.names_kind(&v.name) == Some(crate::env::VarKind::Vector)
        };
        for v in violations.iter().filter(|v| !said(v)) {
            notes.push(messages::violation_note(&self.names_kind(&v.name), &v.name));
        }
        notes.extend(guesses);
        notes.dedup();
        let s = self.error_with_notes(message, span, notes);
        (done(nodes, Math::num(0.0)), s)
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
        let (sa_scalar, sb_scalar) = (self.is_scalar(&sa), self.is_scalar(&sb));
        let table_op = match op {
            BinOp::Add => Op::Add,
            BinOp::Sub => Op::Sub,
            BinOp::Mul => Op::Mul,
            // A scalar factor of `.*` scales: the product is the same thing.
            BinOp::HMul if sa_scalar || sb_scalar => Op::Mul,
            BinOp::HMul => Op::HMul,
            BinOp::HDiv => Op::HDiv,
            BinOp::Div => {
                if !sb_scalar {
                    let (x, y) = (self.operand(a, &sa), self.operand(b, &sb));
                    let message = format!(
                        "cannot divide {x} by {y}: `/` divides by a scalar (use `./` elementwise, or inv(…))"
                    );
                    let (notes, _) = messages::guesses(&[y], Op::HDiv);
                    let s = self.error_with_notes(message, span, notes);
                    return (done(nodes, Math::num(0.0)), s);
                }
                Op::HDiv
            }
            BinOp::Pow => Op::Pow,
            BinOp::HPow => Op::HPow,
        };
        if matches!(table_op, Op::Add | Op::Sub) && sa_scalar != sb_scalar {
            // SPEC §1: a scalar added to a matrix is added to every entry.
            let (ia, sa, ib, sb) = if sa_scalar {
                let (i, s) = self.broadcast(a, ia, &sb, nodes);
                (i, s, ib, sb)
            } else {
                let (i, s) = self.broadcast(b, ib, &sa, nodes);
                (ia, sa, i, s)
            };
            return self.apply(table_op, &[(a, ia, sa), (b, ib, sb)], span, nodes);
        }
        if table_op == Op::Pow && !sa_scalar {
            if let Some(out) = self.check_matrix_power(a, b, &sa, sb_scalar, span, nodes) {
                return out;
            }
        }
        self.apply(table_op, &[(a, ia, sa), (b, ib, sb)], span, nodes)
    }

    /// `s` spread over a `like`-shaped matrix: `s*ones`, or the ones or the zero itself
    /// for the literals 1 and 0.
    fn broadcast(
        &mut self,
        e: &Expr,
        id: Id,
        like: &TShape,
        nodes: &mut Vec<PNode>,
    ) -> (Id, TShape) {
        let (r, c) = (like.rows.clone(), like.cols.clone());
        let shape = Sh::new(r.clone(), c.clone());
        match literal(e) {
            Some(0.0) => {
                nodes[usize::from(id)] = PNode::Zero(r, c);
                (id, shape)
            }
            Some(1.0) => {
                nodes[usize::from(id)] = PNode::Ones(r, c);
                (id, shape)
            }
            _ => {
                let ones = push(nodes, PNode::Ones(r, c));
                (done(nodes, Math::binary(Op::Mul, id, ones)), shape)
            }
        }
    }

    /// A power of a non-scalar base: a square matrix to a whole-number power. `None`
    /// leaves the rest (squareness, a non-scalar exponent) to the table rule.
    fn check_matrix_power(
        &mut self,
        a: &Expr,
        b: &Expr,
        sa: &TShape,
        exponent_scalar: bool,
        span: Span,
        nodes: &mut Vec<PNode>,
    ) -> Option<(Id, TShape)> {
        let x = self.operand(a, sa).describe();
        if self.solver.walk(&sa.cols).is_one() {
            let shown = [
                self.operand(a, sa),
                self.operand(b, &Sh::new(Size::one(), Size::one())),
            ];
            let (notes, _) = messages::guesses(&shown, Op::Pow);
            let s = self.error_with_notes(
                format!("cannot raise the vector {x} to a power (use `.^` elementwise, or norm2)"),
                span,
                notes,
            );
            return Some((done(nodes, Math::num(0.0)), s));
        }
        let whole = literal(b).is_some_and(|k| k.fract() == 0.0 && k.abs() < 1e6);
        if whole || !exponent_scalar {
            return None;
        }
        let s = self.error(
            format!("a matrix power needs a whole-number exponent: {x} ^ …"),
            b.span,
        );
        Some((done(nodes, Math::num(0.0)), s))
    }

    fn check_call(
        &mut self,
        name: &str,
        name_span: Span,
        args: &[Expr],
        span: Span,
        nodes: &mut Vec<PNode>,
    ) -> (Id, TShape) {
        if let Some(out) = self.check_constant(name, args, span, nodes) {
            return out;
        }
        let ops = Op::from_call(name);
        if ops.is_empty() {
            let hint = messages::suggestion(name)
                .map(|s| format!(" (did you mean `{s}`?)"))
                .unwrap_or_default();
            let s = self.error(format!("unknown function `{name}`{hint}"), name_span);
            // Still check the arguments, so their own mistakes are reported too.
            for a in args {
                self.check(a, nodes);
            }
            return (done(nodes, Math::num(0.0)), s);
        }
        let arity = ops[0].arity();
        if name == "unvec" {
            return self.check_unvec(args, span, nodes);
        }
        let checked: Vec<(Id, TShape)> = args.iter().map(|a| self.check(a, nodes)).collect();
        if checked.len() != arity {
            let s = self.error(
                format!(
                    "`{name}` takes {arity} argument{}, found {}",
                    if arity == 1 { "" } else { "s" },
                    checked.len()
                ),
                span,
            );
            return (done(nodes, Math::num(0.0)), s);
        }
        // `diag` is two operators: of a vector, and of a square matrix.
        let op = if ops.len() > 1 {
            let column = self.solver.walk(&checked[0].1.cols).is_one();
            *ops.iter()
                .find(|o| (o.info().shape == ShapeRule::DiagOfColumn) == column)
                .unwrap_or(&ops[0])
        } else {
            ops[0]
        };
        debug_assert!(matches!(op.info().text, Text::Call(_)));
        let operands: Vec<(&Expr, Id, TShape)> = args
            .iter()
            .zip(checked)
            .map(|(e, (i, s))| (e, i, s))
            .collect();
        self.apply(op, &operands, span, nodes)
    }

    /// `unvec(v, p)`: the size is carried by an identity `I:p` as the second operand.
    fn check_unvec(&mut self, args: &[Expr], span: Span, nodes: &mut Vec<PNode>) -> (Id, TShape) {
        let [v, p] = args else {
            let s = self.error("`unvec(v, p)` takes a vector and a size".into(), span);
            return (done(nodes, Math::num(0.0)), s);
        };
        let Some(rows) = size_of(p) else {
            let s = self.error(
                "the second argument of `unvec` is a size: a name, a whole number or a product"
                    .into(),
                p.span,
            );
            return (done(nodes, Math::num(0.0)), s);
        };
        let (iv, sv) = self.check(v, nodes);
        let r = Size::known(rows);
        let carrier = push(nodes, PNode::Eye(r.clone()));
        let operands = [(v, iv, sv), (p, carrier, Sh::new(r.clone(), r))];
        self.apply(Op::Unvec, &operands, span, nodes)
    }

    /// The constants with sizes: `I(n)`, `eye(n)`, `ones(n)`, `ones(m, n)`, `zeros(…)`,
    /// `vector(c)`, `matrix(c)`, `K(m, n)`. `None` for any other name.
    fn check_constant(
        &mut self,
        name: &str,
        args: &[Expr],
        span: Span,
        nodes: &mut Vec<PNode>,
    ) -> Option<(Id, TShape)> {
        let one = Size::one();
        let sizes = |cx: &mut Self, what: &str, max: usize| -> Option<Vec<Size>> {
            let got: Option<Vec<Dim>> = args.iter().map(size_of).collect();
            match got {
                Some(d) if !d.is_empty() && d.len() <= max => {
                    Some(d.into_iter().map(Size::known).collect())
                }
                _ => {
                    cx.error(
                        format!(
                            "`{what}` takes {} size{}: a name, a whole number or a product",
                            if max == 1 { "one" } else { "one or two" },
                            if max == 1 { "" } else { "s" }
                        ),
                        span,
                    );
                    None
                }
            }
        };
        let failed = |cx: &mut Self, nodes: &mut Vec<PNode>| {
            let s = Sh::new(cx.solver.fresh(), cx.solver.fresh());
            (done(nodes, Math::num(0.0)), s)
        };
        let out = match name {
            "I" | "eye" => match sizes(self, name, 1) {
                Some(s) => {
                    let n = s[0].clone();
                    (push(nodes, PNode::Eye(n.clone())), Sh::new(n.clone(), n))
                }
                None => failed(self, nodes),
            },
            "ones" | "zeros" => match sizes(self, name, 2) {
                Some(s) => {
                    let r = s[0].clone();
                    let c = s.get(1).cloned().unwrap_or_else(|| one.clone());
                    let node = if name == "ones" {
                        PNode::Ones(r.clone(), c.clone())
                    } else {
                        PNode::Zero(r.clone(), c.clone())
                    };
                    (push(nodes, node), Sh::new(r, c))
                }
                None => failed(self, nodes),
            },
            "K" => {
                let got: Option<Vec<Dim>> = args.iter().map(size_of).collect();
                match got.as_deref() {
                    Some([m, n]) => {
                        let mn = Size::known(dim_mul(*m, *n));
                        let node = Math::Const(crate::lang::Const::Commutation(*m, *n));
                        (done(nodes, node), Sh::new(mn.clone(), mn))
                    }
                    _ => {
                        self.error(
                            "`K` takes two sizes: K(m, n) is the commutation matrix".into(),
                            span,
                        );
                        failed(self, nodes)
                    }
                }
            }
            "vector" | "matrix" => {
                let [c] = args else {
                    self.error(format!("`{name}(c)` takes one value"), span);
                    return Some(failed(self, nodes));
                };
                let r = self.solver.fresh();
                let cols = if name == "vector" {
                    one.clone()
                } else {
                    self.solver.fresh()
                };
                let shape = Sh::new(r.clone(), cols.clone());
                match literal(c) {
                    Some(0.0) => (push(nodes, PNode::Zero(r, cols)), shape),
                    Some(1.0) => (push(nodes, PNode::Ones(r, cols)), shape),
                    _ => {
                        let (ic, sc) = self.check(c, nodes);
                        if !self.is_scalar(&sc) {
                            let x = self.operand(c, &sc);
                            self.error(
                                format!("`{name}(c)` takes a scalar, found {}", x.describe()),
                                c.span,
                            );
                            return Some(failed(self, nodes));
                        }
                        let ones = push(nodes, PNode::Ones(r, cols));
                        (done(nodes, Math::binary(Op::Mul, ic, ones)), shape)
                    }
                }
            }
            _ => return None,
        };
        Some(out)
    }
}
