"""Errors as exceptions: bad input raises InputError with the caret text and the span,
a limit stop raises DerivationError, wrong argument types raise TypeError, and no
panic ever reaches Python."""

from __future__ import annotations

import numpy as np
import pytest

import matcalc
from matcalc import _matcalc


def test_shape_mismatch_has_the_caret_text_and_span() -> None:
    with pytest.raises(matcalc.InputError) as info:
        matcalc.derive("A*x", "x", let="A: matrix(m,n); x: vector(m)")
    e = info.value
    text = str(e)
    assert "error: cannot multiply A (m×n) by x (m×1)" in text
    assert "1 │ A*x" in text
    assert "│ ^^^" in text
    assert e.span == (0, 3)
    assert e.input == "expr"
    assert e.message == "cannot multiply A (m×n) by x (m×1)"
    assert e.exit_code == 2
    assert e.diagnostics[0]["source"] == "A*x"
    assert isinstance(e, ValueError) and isinstance(e, matcalc.MatcalcError)


def test_syntax_error_points_at_the_end() -> None:
    with pytest.raises(matcalc.InputError) as info:
        matcalc.derive("x*", "x")
    assert info.value.span == (2, 2)
    assert "^" in str(info.value)


def test_unknown_function_is_named() -> None:
    with pytest.raises(matcalc.InputError) as info:
        matcalc.derive("foo(x)", "x")
    e = info.value
    assert "foo" in e.message
    start, end = e.span
    assert "foo(x)"[start:end].startswith("foo")


def test_bad_declaration_points_into_let() -> None:
    with pytest.raises(matcalc.InputError) as info:
        matcalc.derive("x'*x", "x", let="x: vectr(n)")
    e = info.value
    assert e.input == "let"
    assert "x: vectr(n)"[e.span[0] : e.span[1]] == "vectr(n)"
    assert "let:1:4" in str(e)


def test_wrt_that_does_not_occur() -> None:
    with pytest.raises(matcalc.InputError) as info:
        matcalc.derive("x'*x", "y")
    assert "`y` does not occur in the expression" in info.value.message
    assert info.value.span is None


def test_equiv_points_into_the_right_side() -> None:
    with pytest.raises(matcalc.InputError) as info:
        matcalc.equiv("x'*x", "x'*")
    assert info.value.input == "expr2"


def test_every_problem_is_reported() -> None:
    with pytest.raises(matcalc.InputError) as info:
        matcalc.show("foo(x) + bar(y)")
    assert len(info.value.diagnostics) >= 2


def test_a_time_limit_stop_raises_derivation_error() -> None:
    with pytest.raises(matcalc.DerivationError) as info:
        matcalc.derive("norm2(W2*sigmoid(W1*x) - y)^2", "W1", time_limit=1e-9)
    e = info.value
    assert e.kind == "limit" and e.limit
    assert "time limit" in e.reason
    assert e.exit_code == 1
    assert not isinstance(e, matcalc.InputError)


def test_unknown_rule_left_out_is_bad_input() -> None:
    with pytest.raises(matcalc.InputError) as info:
        matcalc.derive("x'*x", "x", without=["d-prodcut"])
    assert "d-product" in info.value.message  # did you mean


def test_a_panic_in_rust_becomes_derivation_error() -> None:
    with pytest.raises(matcalc.DerivationError) as info:
        matcalc._decode(_matcalc._panic_for_test())
    assert info.value.kind == "internal"
    assert "a test panic" in info.value.message
    # and the module still works afterwards
    assert matcalc.derive("x'*x", "x").text == "2*x'"


@pytest.mark.parametrize(
    "call",
    [
        lambda: matcalc.derive(1, "x"),
        lambda: matcalc.derive(None, "x"),
        lambda: matcalc.derive("x'*x", 3),
        lambda: matcalc.derive("x'*x", ["x", 3]),
        lambda: matcalc.derive("x'*x", "x", let=5),
        lambda: matcalc.derive("x'*x", "x", let={"x": 1}),
        lambda: matcalc.derive("x'*x", "x", layout=1),
        lambda: matcalc.derive("x'*x", "x", order="1"),
        lambda: matcalc.derive("x'*x", "x", order=1.0),
        lambda: matcalc.derive("x'*x", "x", check="yes"),
        lambda: matcalc.derive("x'*x", "x", steps=1),
        lambda: matcalc.derive("x'*x", "x", time_limit="1"),
        lambda: matcalc.derive("x'*x", "x", without=[1]),
        lambda: matcalc.equiv(1, "x"),
        lambda: matcalc.equiv("x", b"x"),
        lambda: matcalc.show(["x"]),
        lambda: matcalc.batch(5),
        lambda: matcalc.batch([1, 2]),
        lambda: matcalc.batch([{"id": "a", "expr": "x'*x", "wrt": "x"}], jobs="2"),
        lambda: matcalc.rules(audit="yes"),
        lambda: matcalc.derive("x'*x", "x").function(squeeze=1),
        lambda: matcalc.derive("x'*x", "x").function()(y=np.ones(3)),
        lambda: matcalc.derive("x'*x", "x").function()(),
        lambda: matcalc.derive("x'*x", "x").function()(x="abc"),
        lambda: matcalc.derive("x'*x", "x").function()(np.ones(3), np.ones(3)),
    ],
)
def test_wrong_argument_types_raise_type_error(call) -> None:
    with pytest.raises(TypeError):
        call()


@pytest.mark.parametrize(
    "call",
    [
        lambda: matcalc.derive("x'*x", "x", layout="rows"),
        lambda: matcalc.derive("x'*x", "x", order=3),
        lambda: matcalc.derive("x'*x", "x", symmetric="upper"),
        lambda: matcalc.derive("x'*x", ""),
        lambda: matcalc.derive("x'*x", []),
        lambda: matcalc.derive("x'*x", "x", time_limit=-1),
        lambda: matcalc.batch([], jobs=0),
    ],
)
def test_out_of_range_arguments_raise_value_error(call) -> None:
    with pytest.raises(ValueError):
        call()


def test_function_checks_sizes_and_vector_shapes() -> None:
    g = matcalc.derive("x'*A*x", "x").function()
    with pytest.raises(ValueError, match="size n"):
        g(x=np.ones(4), A=np.eye(3))
    with pytest.raises(ValueError, match="vector"):
        g(x=np.ones((1, 3)), A=np.eye(3))
    with pytest.raises(ValueError, match="matrix"):
        g(x=np.ones(3), A=np.ones(3))
    s = matcalc.derive("s^2 + 3*s", "s", let="s: scalar").function()
    with pytest.raises(ValueError, match="scalar"):
        s(s=np.ones(2))
    assert s(s=np.array([[2.0]])).tolist() == [[7.0]]


def test_no_numpy_form_is_an_error_not_a_crash() -> None:
    d = matcalc.derive("np'*x", "x")  # a name NumPy's alias would shadow
    assert d.numpy is None
    with pytest.raises(matcalc.MatcalcError):
        d.function()
