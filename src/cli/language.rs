//! `matcalc language`: the expression language, generated from the operator table so
//! that it lists exactly what the reader accepts.

use super::output::line;
use matcalc::{Class, Op, Text};

pub fn run() -> Result<i32, matcalc::Error> {
    line("The expression language (SPEC §1). Precedence, loosest first: + - ; * .* ./ / ;");
    line("unary - ; ^ .^ (right-associative) ; postfix ' ; atoms and calls.");
    line("");
    for (title, class) in [
        ("Operators and functions", Class::Algebra),
        ("Elementwise functions", Class::Elementwise),
        (
            "Non-smooth (differentiated where they are differentiable)",
            Class::NonSmooth,
        ),
    ] {
        line(&format!("{title}:"));
        for op in Op::ALL {
            let info = op.info();
            if info.class == class && !matches!(info.text, Text::Internal) {
                line(&format!("  {}", info.doc));
            }
        }
        line("");
    }
    line("Constants:");
    line("  I, eye, I(n): identity (size inferred, or given); ones, ones(n), ones(m, n): all ones");
    line("  zeros(n), zeros(m, n): zeros; vector(c), matrix(c): a vector / matrix of c (size inferred)");
    line("  K(m, n): the commutation matrix, K*vec(A) = vec(A') for A m×n; numbers 2, 0.5, 1e-3");
    line("  s + X, X - s, 1 + x: a scalar added to every entry");
    line("");
    line("Definitions: EXPR where h1 = …; h2 = … (each may use the ones before it)");
    line("");
    line(
        "Names: --let \"A: matrix(m,n); x: vector(n); s: scalar; S: symmetric(n); y: simplex(n)\".",
    );
    line(
        "  Sizes are names, whole numbers or products (vector(m*n)); left out, they are inferred.",
    );
    line("  An undeclared capital is a matrix, a lower-case name a vector; neither is ever given");
    line("  size 1 silently (declare scalars). Built-in names (I, K, ones, functions) cannot be declared.");
    line("");
    line("Layouts (--layout): numerator (default; the method of differentials: scalar by X p×q is");
    line(
        "  q×p, vector f by vector x is the Jacobian, anything by a matrix is d vec(F)/d vec(X)),",
    );
    line("  denominator (the transpose). Hessians: --order 2, in vec(X) coordinates.");
    Ok(0)
}
