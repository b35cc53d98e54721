"""Every reference case: `derive(...).function()` evaluated in NumPy equals central
finite differences of the case's hand-written `f_numpy`, computed here, in both
layouts; vectors given as (n,1) columns in one layout and as 1-D arrays in the other.
Also the Hessian and symmetric-variable catalogs."""

from __future__ import annotations

import numpy as np
import pytest

import matcalc
from conftest import (
    assert_close,
    case_id,
    dim,
    evaluate,
    expected_derivative,
    fd_hessian,
    fd_jacobian,
    one_d,
    random_inputs,
    read_cases,
)

CATALOG = read_cases("catalog.jsonl")
HESSIANS = read_cases("hessians.jsonl")
SYMMETRIC = read_cases("symmetric.jsonl")


def test_the_catalog_is_there() -> None:
    assert len(CATALOG) == 41, "tests/cases/catalog.jsonl holds the 41 reference cases"


@pytest.mark.parametrize("layout", ["numerator", "denominator"])
@pytest.mark.parametrize("case", CATALOG, ids=case_id)
def test_reference_case_against_finite_differences(case, layout) -> None:
    d = matcalc.derive(case["expr"], case["wrt"], let=case["decls"], layout=layout)
    assert isinstance(d, matcalc.Derivation)
    assert d.kind == case["kind"]
    assert d.layout == layout
    dims = case.get("dims", {})
    values = random_inputs(d.inputs, dims, case["id"])
    f = lambda v: evaluate(case["f_numpy"], v)  # noqa: E731
    f0 = evaluate(case["f_numpy"], values)
    x = case["wrt"]
    x_shape = np.atleast_2d(np.asarray(values[x])).shape
    want = expected_derivative(d.kind, fd_jacobian(f, values, x), x_shape, f0.shape)
    if layout == "denominator":
        want = want.T
    # the documented shape, with the sizes of the case
    assert want.shape == tuple(dim(s, dims) for s in d.shape)
    args = values if layout == "numerator" else one_d(values)
    got = d.function()(**args)
    assert isinstance(got, np.ndarray) and got.ndim == 2
    assert_close(got, want, what=f"{case['id']} ({layout}): {d.text}")


@pytest.mark.parametrize("case", HESSIANS, ids=case_id)
def test_hessian_case_against_finite_differences(case) -> None:
    names = [w.strip() for w in case["wrt"].split(",")]
    found = matcalc.derive(case["expr"], names, let=case["decls"], order=2)
    assert isinstance(found, list)
    dims = case.get("dims", {})
    values = random_inputs(found[0].inputs, dims, case["id"])
    f = lambda v: evaluate(case["f_numpy"], v)  # noqa: E731
    pairs = [(u, v) for i, u in enumerate(names) for v in names[i:]]
    assert [tuple((d.wrt * 2)[:2]) for d in found] == pairs
    for d in found:
        u, v = (d.wrt * 2)[:2]
        want = fd_hessian(f, values, u, v)
        got = d.function()(**one_d(values))
        assert_close(got, want, rtol=1e-4, what=f"{case['id']} block {u},{v}: {d.text}")


@pytest.mark.parametrize("convention", ["sym", "entries", "none"])
@pytest.mark.parametrize("case", SYMMETRIC, ids=case_id)
def test_symmetric_case_against_finite_differences(case, convention) -> None:
    d = matcalc.derive(case["expr"], case["wrt"], let=case["decls"], symmetric=convention)
    assert d.convention == convention
    dims = case.get("dims", {})
    values = random_inputs(d.inputs, dims, case["id"])
    f = lambda v: evaluate(case["f_numpy"], v)  # noqa: E731
    S = case["wrt"]
    n = values[S].shape[0]
    # G[i, j] = df/dS_ij with every entry independent (f extended off the symmetric ones)
    G = fd_jacobian(f, values, S)[0].reshape((n, n), order="F")
    want = {
        "sym": (G + G.T) / 2,
        "entries": G + G.T - np.diag(np.diag(G)),
        "none": G.T,
    }[convention]
    assert_close(d.function()(**values), want, what=f"{case['id']} ({convention}): {d.text}")


@pytest.mark.parametrize("case", CATALOG, ids=case_id)
def test_show_function_is_f(case) -> None:
    """The NumPy form of the expression itself agrees with the case's hand-written one."""
    e = matcalc.show(case["expr"], let=case["decls"])
    values = random_inputs(e.to_dict()["names"], case.get("dims", {}), case["id"] + "/show")
    got = e.function()(**one_d(values))
    want = evaluate(case["f_numpy"], values)
    assert_close(got, want.reshape(got.shape) if want.size == got.size else want, what=e.text)
