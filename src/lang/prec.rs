//! How tightly printed forms bind, loosest first, exactly as the parser climbs them:
//! `+ -` ; `* .* ./` ; unary `-` ; `^` ; postfix `'` ; atoms and calls. The printers
//! and the presentation cost share it, so the cost counts the parentheses the printer
//! will write.

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Prec {
    Add,
    Mul,
    Unary,
    Pow,
    Postfix,
    Atom,
}
