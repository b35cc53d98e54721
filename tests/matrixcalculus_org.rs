//! The examples of matrixcalculus.org's documentation, typed as a user pastes them
//! (undeclared names): each derives, agrees with finite differences and reads back.

mod common;

use common::derive_checked;
use matcalc::{derive_request, Request};

#[test]
fn the_documentation_examples_derive_with_undeclared_names() {
    let cases = [
        ("0.5*x'*A*x", "x"),
        ("A*exp(x)", "x"),
        ("(y.*v)'*x", "x"),
        ("norm2(A*x-y)^2", "x"),
        ("tr(A*X'*B*X*C)", "X"),
        ("log(det(inv(X)))", "X"),
        ("norm1(A*x-y)", "x"),
        ("sum(log(exp(-y.*(X*w)) + vector(1)))", "w"),
        ("x.^2", "x"),
    ];
    for (expr, wrt) in cases {
        derive_checked(expr, "", wrt);
    }
}

#[test]
fn a_power_of_names_needs_them_declared_and_says_so() {
    let Err(err) = derive_request(&Request::new("a^b", "", &["a"]), common::rules()) else {
        panic!("a^b with undeclared names was accepted");
    };
    assert_eq!(err.exit_code(), 2);
    assert!(
        err.render().contains("a: scalar; b: scalar"),
        "{}",
        err.render()
    );
    derive_checked("a^b", "a: scalar; b: scalar", "a");
}

#[test]
fn broadcasting_one_equals_the_vector_spelling() {
    let broadcast = derive_checked("sum(log(1 + exp(-y .* (X*w))))", "", "w");
    let spelled = derive_checked("sum(log(exp(-y.*(X*w)) + vector(1)))", "", "w");
    assert_eq!(broadcast.derivative, spelled.derivative);
}
