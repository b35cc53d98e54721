//! Recursive descent over SPEC §1's precedence table, loosest first:
//! `+ -` ; `* / .* ./` (left-associative) ; unary `-` ; `^` (right-associative) ;
//! postfix `'` ; atoms and calls.

use super::ast::{BinOp, Expr, ExprKind, Span};
use super::lexer::{lex, Tok};
use crate::error::Diagnostic;

/// The deepest tree accepted. Every later phase walks the tree recursively, and a
/// thread's stack (2 MiB for test and rayon threads) must hold that walk.
pub const MAX_DEPTH: usize = 100;
/// The deepest nesting of parentheses, `-` and `^` accepted: the parser's own recursion
/// costs more stack per level than a walk over the tree.
pub const MAX_NESTING: usize = 64;

/// Parses a whole expression. On failure, every lexical error and the first syntax
/// error are returned (after a syntax error the rest of the text has no structure).
pub fn parse(src: &str) -> Result<Expr, Vec<Diagnostic>> {
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
    match p.expr().and_then(|e| p.finish(e)) {
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

    fn finish(&mut self, e: Expr) -> PResult {
        match self.peek() {
            Tok::End => Ok(e),
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

    fn expr(&mut self) -> PResult {
        let mut lhs = self.term()?;
        loop {
            let op = match self.peek() {
                Tok::Plus => BinOp::Add,
                Tok::Minus => BinOp::Sub,
                _ => return Ok(lhs),
            };
            let d = self.depth;
            self.bump();
            let rhs = self.term()?;
            let dr = self.depth;
            lhs = self.built(binary(op, lhs, rhs), &[d, dr])?;
        }
    }

    fn term(&mut self) -> PResult {
        let mut lhs = self.unary()?;
        loop {
            let op = match self.peek() {
                Tok::Star => BinOp::Mul,
                Tok::DotStar => BinOp::HMul,
                Tok::DotSlash => BinOp::HDiv,
                Tok::Slash => BinOp::Div,
                _ => return Ok(lhs),
            };
            let d = self.depth;
            self.bump();
            let rhs = self.unary()?;
            let dr = self.depth;
            lhs = self.built(binary(op, lhs, rhs), &[d, dr])?;
        }
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
        if *self.peek() == Tok::Caret {
            let d = self.depth;
            self.bump();
            // The exponent may itself be negated (`X^-1`) and is right-associative.
            let exponent = self.unary()?;
            let de = self.depth;
            return self.built(binary(BinOp::Pow, base, exponent), &[d, de]);
        }
        Ok(base)
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
