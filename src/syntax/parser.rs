//! Recursive descent over SPEC §1's precedence table, loosest first:
//! `+ -` ; `* .* ./` (left-associative) ; unary `-` ; `^` (right-associative) ;
//! postfix `'` ; atoms and calls.

use super::ast::{BinOp, Expr, ExprKind, Span};
use super::lexer::{lex, Tok};
use crate::error::Diagnostic;

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
    let mut p = Parser { toks, pos: 0 };
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

    fn finish(&mut self, e: Expr) -> PResult {
        match self.peek() {
            Tok::End => Ok(e),
            Tok::RParen => Err(Diagnostic::new("unmatched `)`".to_string(), self.span())),
            t => Err(Diagnostic::new(
                format!("expected an operator, found {}", t.describe()),
                self.span(),
            )),
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
            self.bump();
            let rhs = self.term()?;
            lhs = binary(op, lhs, rhs);
        }
    }

    fn term(&mut self) -> PResult {
        let mut lhs = self.unary()?;
        loop {
            let op = match self.peek() {
                Tok::Star => BinOp::Mul,
                Tok::DotStar => BinOp::HMul,
                Tok::DotSlash => BinOp::HDiv,
                _ => return Ok(lhs),
            };
            self.bump();
            let rhs = self.unary()?;
            lhs = binary(op, lhs, rhs);
        }
    }

    fn unary(&mut self) -> PResult {
        if *self.peek() == Tok::Minus {
            let (_, start) = self.bump();
            let inner = self.unary()?;
            let span = start.join(inner.span);
            return Ok(Expr::new(ExprKind::Neg(Box::new(inner)), span));
        }
        self.power()
    }

    fn power(&mut self) -> PResult {
        let base = self.postfix()?;
        if *self.peek() == Tok::Caret {
            self.bump();
            // The exponent may itself be negated (`X^-1`) and is right-associative.
            let exponent = self.unary()?;
            return Ok(binary(BinOp::Pow, base, exponent));
        }
        Ok(base)
    }

    fn postfix(&mut self) -> PResult {
        let mut e = self.atom()?;
        while *self.peek() == Tok::Quote {
            let (_, q) = self.bump();
            let span = e.span.join(q);
            e = Expr::new(ExprKind::Transpose(Box::new(e)), span);
        }
        Ok(e)
    }

    fn atom(&mut self) -> PResult {
        let (tok, span) = self.bump();
        match tok {
            Tok::Num(v) => Ok(Expr::new(ExprKind::Num(v), span)),
            Tok::Ident(name) => {
                if *self.peek() != Tok::LParen {
                    return Ok(Expr::new(ExprKind::Name(name), span));
                }
                self.bump();
                let mut args = Vec::new();
                if *self.peek() != Tok::RParen {
                    args.push(self.expr()?);
                    while *self.peek() == Tok::Comma {
                        self.bump();
                        args.push(self.expr()?);
                    }
                }
                let close = self.expect_close(span)?;
                Ok(Expr::new(
                    ExprKind::Call {
                        name,
                        name_span: span,
                        args,
                    },
                    span.join(close),
                ))
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

fn binary(op: BinOp, lhs: Expr, rhs: Expr) -> Expr {
    let span = lhs.span.join(rhs.span);
    Expr::new(ExprKind::Binary(op, Box::new(lhs), Box::new(rhs)), span)
}
