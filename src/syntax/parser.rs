//! Recursive descent over SPEC §1's precedence table, loosest first:
//! `+ -` ; `* / .* ./` (left-associative) ; unary `-` ; `^` (right-associative) ;
//! postfix `'` ; atoms and calls.

use super::ast::{BinOp, Binding, Expr, ExprKind, Program, Span};
use super::lexer::{lex, Tok};
use crate::error::Diagnostic;

/// The most `where` definitions one input may have (each adds its depth to the uses).
pub const MAX_BINDINGS: usize = 64;

/// The deepest tree accepted. Every later phase walks the tree recursively, and a
/// thread's stack (2 MiB for test and rayon threads) must hold that walk.
pub const MAX_DEPTH: usize = 1000;
/// Chains of `+`/`-` (or of one of `*`, `.*`) up to this length are built as
/// written, left to right; longer ones (which programs write) balanced.
const LEFT_TO_RIGHT: usize = 64;
/// The deepest nesting of parentheses, `-` and `^` accepted: the parser's own recursion
/// costs more stack per level than a walk over the tree.
pub const MAX_NESTING: usize = 64;

/// Parses an input: an expression, optionally followed by `where name = expr; …`.
/// On failure, every lexical error and the first syntax error are returned (after a
/// syntax error the rest of the text has no structure).
pub fn parse_program(src: &str) -> Result<Program, Vec<Diagnostic>> {
    let (toks, mut errors) = lex(src);
    if toks.len() == 1 && errors.is_empty() {
        return Err(vec![Diagnostic::new(
            "empty expression".to_string(),
            Span::new(0, src.len()),
        )]);
    }
    let mut p = Parser {
        toks,
        pos: 0,
        nesting: 0,
        depth: 0,
    };
    match p.program() {
        Ok(e) if errors.is_empty() => Ok(e),
        Ok(_) => Err(errors),
        Err(d) => {
            // A lexical error usually causes the syntax error: report it alone then.
            if errors.is_empty() || !errors.iter().any(|l| l.span.start <= d.span.start) {
                errors.push(d);
            }
            Err(errors)
        }
    }
}

struct Parser {
    toks: Vec<(Tok, Span)>,
    pos: usize,
    /// How many `unary` calls are open: every recursion passes through it.
    nesting: usize,
    /// The depth of the tree last returned, so that no tree deeper than `MAX_DEPTH` is
    /// built (dropping one recurses too).
    depth: usize,
}

type PResult = Result<Expr, Diagnostic>;

impl Parser {
    fn peek(&self) -> &Tok {
        &self.toks[self.pos].0
    }
    fn span(&self) -> Span {
        self.toks[self.pos].1
    }
    fn bump(&mut self) -> (Tok, Span) {
        let t = self.toks[self.pos].clone();
        if self.pos + 1 < self.toks.len() {
            self.pos += 1;
        }
        t
    }

    /// Records the depth of a node built over children of depths `children`.
    fn built(&mut self, e: Expr, children: &[usize]) -> PResult {
        self.depth = 1 + children.iter().copied().max().unwrap_or(0);
        if self.depth > MAX_DEPTH {
            return Err(too_deep(e.span));
        }
        Ok(e)
    }

    fn program(&mut self) -> Result<Program, Diagnostic> {
        let body = self.expr()?;
        let mut bindings: Vec<Binding> = Vec::new();
        if matches!(self.peek(), Tok::Ident(w) if w == "where") {
            self.bump();
            loop {
                let (tok, name_span) = self.bump();
                let name = match tok {
                    Tok::Ident(n) if n != "where" => n,
                    t => {
                        return Err(Diagnostic::new(
                            format!("expected a name to define, found {}", t.describe()),
                            name_span,
                        )
                        .with_note("write `EXPR where h = …; g = …`"))
                    }
                };
                if *self.peek() != Tok::Equals {
                    return Err(Diagnostic::new(
                        format!(
                            "expected `=` after `{name}`, found {}",
                            self.peek().describe()
                        ),
                        self.span(),
                    ));
                }
                self.bump();
                let expr = self.expr()?;
                if bindings.len() == MAX_BINDINGS {
                    return Err(Diagnostic::new(
                        format!("more than {MAX_BINDINGS} `where` definitions"),
                        name_span,
                    ));
                }
                bindings.push(Binding {
                    name,
                    name_span,
                    expr,
                });
                if *self.peek() == Tok::Semicolon {
                    self.bump();
                    if *self.peek() == Tok::End {
                        break;
                    }
                    continue;
                }
                break;
            }
        }
        let body = self.finish(body)?;
        Ok(Program { body, bindings })
    }

    fn finish(&mut self, e: Expr) -> PResult {
        match self.peek() {
            Tok::End => Ok(e),
            Tok::Ident(w) if w == "where" => Err(Diagnostic::new(
                "a second `where`: separate the definitions with `;`".to_string(),
                self.span(),
            )),
            Tok::RParen => Err(Diagnostic::new("unmatched `)`".to_string(), self.span())),
            t => {
                let d = Diagnostic::new(
                    format!("expected an operator, found {}", t.describe()),
                    self.span(),
                );
                // Two operands side by side: most likely a product written as in maths.
                Err(match t {
                    Tok::Ident(_) | Tok::Num(_) | Tok::LParen => {
                        d.with_note("write `*` for a product (`A*B`)")
                    }
                    _ => d,
                })
            }
        }
    }

    /// `+` and `-` chains. Addition is associative, so a long chain is built balanced:
    /// a sum of 100,000 terms is 17 levels deep, not 100,000 (every later phase walks
    /// the tree recursively).
    fn expr(&mut self) -> PResult {
        let first = self.term()?;
        let mut parts: Vec<(bool, Expr, usize)> = vec![(false, first, self.depth)];
        loop {
            let negative = match self.peek() {
                Tok::Plus => false,
                Tok::Minus => true,
                _ => break,
            };
            self.bump();
            let rhs = self.term()?;
            parts.push((negative, rhs, self.depth));
        }
        if parts.len() <= LEFT_TO_RIGHT {
            let mut it = parts.into_iter();
            let (_, mut acc, mut d) = it.next().ok_or_else(|| too_deep(self.span()))?;
            for (negative, rhs, dr) in it {
                let op = if negative { BinOp::Sub } else { BinOp::Add };
                acc = self.built(binary(op, acc, rhs), &[d, dr])?;
                d = self.depth;
            }
            return Ok(acc);
        }
        // Pairs, then pairs of pairs: ±A ± B is ±(A + B) or ±(A - B).
        while parts.len() > 1 {
            let mut next = Vec::with_capacity(parts.len() / 2 + 1);
            let mut it = parts.into_iter();
            while let Some((sa, a, da)) = it.next() {
                match it.next() {
                    Some((sb, b, db)) => {
                        let op = if sa == sb { BinOp::Add } else { BinOp::Sub };
                        let e = self.built(binary(op, a, b), &[da, db])?;
                        next.push((sa, e, self.depth));
                    }
                    None => next.push((sa, a, da)),
                }
            }
            parts = next;
        }
        let (_, e, d) = parts.pop().ok_or_else(|| too_deep(self.span()))?;
        self.depth = d;
        Ok(e)
    }

    /// `*`, `/`, `.*` and `./` chains, left to right; a run of `*` (or of `.*`),
    /// which is associative, is built balanced like a sum.
    fn term(&mut self) -> PResult {
        let first = self.unary()?;
        let mut run: Vec<(Expr, usize)> = vec![(first, self.depth)];
        let mut run_op: Option<BinOp> = None;
        loop {
            let op = match self.peek() {
                Tok::Star => BinOp::Mul,
                Tok::DotStar => BinOp::HMul,
                Tok::DotSlash => BinOp::HDiv,
                Tok::Slash => BinOp::Div,
                _ => break,
            };
            self.bump();
            let rhs = self.unary()?;
            let dr = self.depth;
            let associative = matches!(op, BinOp::Mul | BinOp::HMul);
            if associative && (run_op.is_none() || run_op == Some(op)) {
                run_op = Some(op);
                run.push((rhs, dr));
                continue;
            }
            let (acc, da) = self.balanced(run, run_op)?;
            if associative {
                run = vec![(acc, da), (rhs, dr)];
                run_op = Some(op);
            } else {
                let e = self.built(binary(op, acc, rhs), &[da, dr])?;
                run = vec![(e, self.depth)];
                run_op = None;
            }
        }
        let (e, d) = self.balanced(run, run_op)?;
        self.depth = d;
        Ok(e)
    }

    /// The operands of one associative operator, combined pairwise (left to right
    /// when there are few).
    fn balanced(
        &mut self,
        mut run: Vec<(Expr, usize)>,
        op: Option<BinOp>,
    ) -> Result<(Expr, usize), Diagnostic> {
        if run.len() <= LEFT_TO_RIGHT {
            let op = op.unwrap_or(BinOp::Mul);
            let mut it = run.into_iter();
            let (mut acc, mut d) = it.next().ok_or_else(|| too_deep(self.span()))?;
            for (rhs, dr) in it {
                acc = self.built(binary(op, acc, rhs), &[d, dr])?;
                d = self.depth;
            }
            return Ok((acc, d));
        }
        while run.len() > 1 {
            let op = op.unwrap_or(BinOp::Mul);
            let mut next = Vec::with_capacity(run.len() / 2 + 1);
            let mut it = run.into_iter();
            while let Some((a, da)) = it.next() {
                match it.next() {
                    Some((b, db)) => {
                        let e = self.built(binary(op, a, b), &[da, db])?;
                        next.push((e, self.depth));
                    }
                    None => next.push((a, da)),
                }
            }
            run = next;
        }
        run.pop().ok_or_else(|| too_deep(self.span()))
    }

    fn unary(&mut self) -> PResult {
        if self.nesting >= MAX_NESTING {
            return Err(Diagnostic::new(
                format!(
                    "expression nested too deeply (more than {MAX_NESTING} levels of \
                     parentheses, `-` or `^`)"
                ),
                self.span(),
            ));
        }
        self.nesting += 1;
        let e = self.unary_inner();
        self.nesting -= 1;
        e
    }

    fn unary_inner(&mut self) -> PResult {
        if *self.peek() == Tok::Minus {
            let (_, start) = self.bump();
            let inner = self.unary()?;
            let span = start.join(inner.span);
            let d = self.depth;
            return self.built(Expr::new(ExprKind::Neg(Box::new(inner)), span), &[d]);
        }
        self.power()
    }

    fn power(&mut self) -> PResult {
        let base = self.postfix()?;
        let op = match self.peek() {
            Tok::Caret => BinOp::Pow,
            Tok::DotCaret => BinOp::HPow,
            _ => return Ok(base),
        };
        let d = self.depth;
        self.bump();
        // The exponent may itself be negated (`X^-1`) and is right-associative.
        let exponent = self.unary()?;
        let de = self.depth;
        self.built(binary(op, base, exponent), &[d, de])
    }

    fn postfix(&mut self) -> PResult {
        let mut e = self.atom()?;
        while *self.peek() == Tok::Quote {
            let (_, q) = self.bump();
            let span = e.span.join(q);
            let d = self.depth;
            e = self.built(Expr::new(ExprKind::Transpose(Box::new(e)), span), &[d])?;
        }
        Ok(e)
    }

    fn atom(&mut self) -> PResult {
        let (tok, span) = self.bump();
        match tok {
            Tok::Num(v) => self.built(Expr::new(ExprKind::Num(v), span), &[]),
            Tok::Ident(name) if name == "where" => Err(Diagnostic::new(
                "expected an operand, found `where`".to_string(),
                span,
            )
            .with_note("`where` starts the definitions after the expression")),
            Tok::Ident(name) => {
                if *self.peek() != Tok::LParen {
                    return self.built(Expr::new(ExprKind::Name(name), span), &[]);
                }
                let (_, open) = self.bump();
                let mut args = Vec::new();
                let mut depths = Vec::new();
                if *self.peek() != Tok::RParen {
                    args.push(self.expr()?);
                    depths.push(self.depth);
                    while *self.peek() == Tok::Comma {
                        self.bump();
                        args.push(self.expr()?);
                        depths.push(self.depth);
                    }
                }
                let close = self.expect_close(open)?;
                let call = ExprKind::Call {
                    name,
                    name_span: span,
                    args,
                };
                self.built(Expr::new(call, span.join(close)), &depths)
            }
            Tok::LParen => {
                let inner = self.expr()?;
                let close = self.expect_close(span)?;
                // Parentheses only group; the span covers them for messages.
                Ok(Expr::new(inner.kind, span.join(close)))
            }
            Tok::End => Err(Diagnostic::new(
                "expected an operand, found end of input".to_string(),
                span,
            )),
            t => Err(Diagnostic::new(
                format!("expected an operand, found {}", t.describe()),
                span,
            )),
        }
    }

    fn expect_close(&mut self, open: Span) -> Result<Span, Diagnostic> {
        match self.peek() {
            Tok::RParen => Ok(self.bump().1),
            Tok::End => Err(Diagnostic::new("unclosed `(`".to_string(), open)
                .with_note("the input ends before its `)`")),
            t => Err(Diagnostic::new(
                format!("expected `)` or an operator, found {}", t.describe()),
                self.span(),
            )),
        }
    }
}

fn too_deep(span: Span) -> Diagnostic {
    Diagnostic::new(
        format!("expression too deep (more than {MAX_DEPTH} operators on one path)"),
        span,
    )
    .with_note("split it, or name a part of it")
}

fn binary(op: BinOp, lhs: Expr, rhs: Expr) -> Expr {
    let span = lhs.span.join(rhs.span);
    Expr::new(ExprKind::Binary(op, Box::new(lhs), Box::new(rhs)), span)
}
