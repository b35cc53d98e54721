"""The package's API: the report's fields (the command line's JSON), show, equiv,
batch, rules, warnings, stubs."""

from __future__ import annotations

import inspect
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import matcalc
from matcalc import _matcalc
from conftest import CASES, REPO

REPORT_FIELDS = {
    "expr", "wrt", "kind", "layout", "order", "convention", "shape", "differential",
    "derivative", "derivative_shared", "bindings", "latex", "numpy", "decls", "stats",
    "check", "steps",
}
STATS_FIELDS = {
    "nodes", "forward_steps", "collect_steps", "derive_ms", "simplify_nodes",
    "simplify_iterations", "simplify_stop", "ms", "note", "rules", "ill_shaped",
}


def test_done_when_from_a_fresh_interpreter() -> None:
    code = "import matcalc; print(matcalc.derive(\"x'*A*x\", 'x').text)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout == "x'*(A + A')\n"


def test_spec_examples() -> None:
    assert matcalc.derive("tr(A*X*B)", "X").text == "B*A"
    assert matcalc.derive("logdet(X)", "X", layout="denominator").text == "inv(X)'"
    assert matcalc.derive("x'*A*x", "x", let="A: symmetric(n)").text == "2*x'*A"
    assert matcalc.derive("x'*A*x", "x", let={"A": "symmetric(n)"}).text == "2*x'*A"
    assert matcalc.derive("A*X*B", "X").text == "kron(B', A)"


def test_derivation_has_the_report_fields() -> None:
    d = matcalc.derive("norm2(W*x + b)^2", "W", check=True, steps=True)
    r = d.to_dict()
    assert REPORT_FIELDS <= set(r)
    assert STATS_FIELDS <= set(r["stats"])
    for field in REPORT_FIELDS:
        got = getattr(d, field)
        want = r[field]
        assert (list(got) if isinstance(got, tuple) else got) == want, field
    assert d.kind == "scalar-by-matrix"
    assert d.wrt == ["W"]
    assert d.shape == ("n", "m")
    assert d.differential.startswith("tr(")
    assert d.check["ok"] and d.check["points"] >= 1 and d.check["max_rel_err"] < 1e-6
    assert d.steps[0]["expr"].startswith("d(")
    assert all(s["justification"] for s in d.steps[1:])
    assert d.stats["nodes"] > 0 and d.stats["rules"]
    assert d.inputs["W"]["kind"] == "matrix" and d.inputs["x"]["kind"] == "vector"
    assert str(d) == d.text and "Derivation" in repr(d)


def test_fields_match_the_command_line_json() -> None:
    """When the matcalc binary is at hand, its JSON has the same fields and values."""
    exe = os.environ.get("MATCALC_BIN")
    if exe:
        # Named (python/ci.sh names the one it built): it must be there.
        assert Path(exe).is_file(), f"MATCALC_BIN={exe} is not a file"
    else:
        # cargo puts it under target/<host>/release (the repository names the target).
        found = sorted(REPO.glob("target/*/release/matcalc")) + sorted(REPO.glob("target/release/matcalc"))
        if not found:
            pytest.skip("no matcalc binary (set MATCALC_BIN)")
        exe = str(found[0])
    out = subprocess.run(
        [exe, "derive", "tr(A*X*B)", "--wrt", "X", "--format", "json"], capture_output=True, text=True
    )
    if out.returncode != 0:
        pytest.skip(f"the binary at {exe} does not run: {out.stderr[:200]}")
    cli = json.loads(out.stdout)
    py = matcalc.derive("tr(A*X*B)", "X").to_dict()
    assert set(cli) <= set(py)
    for k in ("expr", "wrt", "kind", "layout", "order", "shape", "decls"):
        assert cli[k] == py[k], k


def test_several_variables_give_a_list() -> None:
    both = matcalc.derive("norm2(W2*sigmoid(W1*x) - y)^2", "W1,W2")
    assert isinstance(both, list) and [d.wrt for d in both] == [["W1"], ["W2"]]
    assert both == matcalc.derive("norm2(W2*sigmoid(W1*x) - y)^2", ["W1", "W2"])
    one = matcalc.derive("x'*x", ["x"])
    assert isinstance(one, list) and len(one) == 1


def test_hessian_blocks() -> None:
    h = matcalc.derive("x'*A*x", "x", order=2)
    assert isinstance(h, matcalc.Derivation) and h.order == 2
    A = np.arange(9.0).reshape(3, 3)
    assert np.allclose(h.function()(x=np.ones(3), A=A), A + A.T)
    blocks = matcalc.derive("norm2(X*w - y)^2", "w,y", order=2)
    assert [tuple(b.wrt) for b in blocks] == [("w", "w"), ("w", "y"), ("y", "y")]


def test_function_signature_shapes_and_squeeze() -> None:
    d = matcalc.derive("x'*A*x", "x")
    f = d.function()
    assert list(inspect.signature(f).parameters) == list(d.inputs) == ["x", "A"]
    A = np.array([[1.0, 2.0], [0.0, 3.0]])
    x = np.array([1.0, -1.0])
    want = x @ (A + A.T)
    row = f(x=x, A=A)
    assert row.shape == (1, 2) and np.allclose(row[0], want)
    assert np.allclose(f(x=x.reshape(2, 1), A=A), row)
    assert np.allclose(f(*[{"A": A, "x": x}[n] for n in d.inputs]), row)
    assert f.numpy == d.numpy and d.numpy in f.__doc__
    assert d.function(squeeze=True)(x=x, A=A).shape == (2,)
    s = matcalc.derive("s^2 + 3*s", "s", let="s: scalar").function(squeeze=True)(s=2)
    assert s == 7.0 and isinstance(s, float)
    # inputs the derivative does not use may be left out
    a = matcalc.derive("a'*x", "x").function()
    assert a(a=np.ones(3)).shape == (1, 3)
    # a constant derivative gets its size from the arguments
    two = matcalc.derive("2*x", "x").function()(x=np.ones(4))
    assert np.array_equal(two, 2 * np.eye(4))


def test_where_bindings_evaluate() -> None:
    """A derivative with `where` definitions (a NumPy comprehension) evaluates."""
    from conftest import fd_jacobian, random_inputs

    expr = "norm2(W3*sigmoid(W2*sigmoid(W1*x)) - y)^2"
    let = "W1: matrix(h,n); W2: matrix(k,h); W3: matrix(m,k); x: vector(n); y: vector(m)"
    d = matcalc.derive(expr, "W1", let=let, layout="denominator")
    if d.bindings:
        assert " where " in d.text and d.derivative_shared != d.derivative
    v = random_inputs(d.inputs, {"n": 3, "h": 4, "k": 2, "m": 2}, "bindings")
    sig = lambda z: 1 / (1 + np.exp(-z))  # noqa: E731
    f = lambda p: np.sum((p["W3"] @ sig(p["W2"] @ sig(p["W1"] @ p["x"])) - p["y"]) ** 2)  # noqa: E731
    want = fd_jacobian(f, v, "W1")[0].reshape(v["W1"].shape, order="F")
    assert np.allclose(d.function()(**v), want, rtol=1e-5, atol=1e-7)
    # the comprehension form itself, whatever the library prints today
    g = matcalc._make_function(
        "[h1 + x.T@x for h1 in [2*x.T@x]][0]", ("1", "1"), {"x": {"kind": "vector", "shape": ["n", "1"]}}, "t", False
    )
    assert g(x=np.ones(3)).tolist() == [[9.0]]


def test_show() -> None:
    e = matcalc.show("x'*A*x")
    assert str(e) == "x'*A*x : 1×1"
    assert e.shape == ("1", "1") and e.names["x"]["kind"] == "vector"
    assert set(e.to_dict()) >= {"expr", "shape", "latex", "numpy", "decls", "names", "warnings"}
    assert e.function()(x=np.ones(2), A=np.eye(2)).tolist() == [[2.0]]


def test_unused_declaration_warns() -> None:
    with pytest.warns(matcalc.MatcalcWarning, match="declared but not used"):
        d = matcalc.derive("x'*x", "x", let="x: vector(n); s: scalar")
    assert d.warnings


def test_equiv() -> None:
    e = matcalc.equiv("x'*(A + A')", "x'*A + (A*x)'")
    assert e.verdict == "equal" and e and e.exit_code == 0
    assert e.proof[0]["expr"] == "x'*(A + A')" and e.proof[-1]["expr"] == "x'*A + (A*x)'"
    assert str(e).startswith("equal\n")
    ne = matcalc.equiv("B*A", "A*B", let="A: matrix(n,n); B: matrix(n,n)")
    assert ne.verdict == "not equal" and not ne and ne.exit_code == 1
    assert set(ne.counterexample) == {"values", "left", "right", "rel_err", "truncated"}
    assert set(ne.counterexample["values"]) == {"A", "B"}
    assert ne.counterexample["rel_err"] > 1e-6
    shapes = matcalc.equiv("x", "x'")
    assert shapes.verdict == "not equal" and shapes.shapes


def test_batch_on_the_catalog_file() -> None:
    rows = matcalc.batch(CASES / "catalog.jsonl")
    assert isinstance(rows, list) and len(rows) == 41
    assert all(isinstance(r, dict) for r in rows)
    assert all(r["status"] == "derived" and r["checked"] for r in rows), [r["id"] for r in rows if not r["checked"]]
    assert rows.summary.startswith("derived 41/41, numerically checked 41/41")
    serial = matcalc.batch(str(CASES / "catalog.jsonl"), jobs=1)
    assert [r["derivative"] for r in serial] == [r["derivative"] for r in rows]


def test_batch_on_cases_with_a_bad_one() -> None:
    rows = matcalc.batch(
        [
            {"id": "ok", "expr": "x'*x", "wrt": "x", "expected": "2*x'"},
            {"id": "bad", "expr": "A*x", "decls": "A: matrix(m,n); x: vector(m)", "wrt": "x"},
            '{"id": "line", "expr": "tr(A*X*B)", "wrt": "X"}',
            "not json",
        ]
    )
    assert [r["id"] for r in rows][:3] == ["ok", "bad", "line"]
    assert rows[0]["expected_equal"] == "yes" and rows[0]["derivative"] == "2*x'"
    assert rows[1]["status"] == "bad-input" and "cannot multiply" in rows[1]["error"]
    assert rows[2]["derivative"] == "B*A"
    assert rows[3]["status"] == "bad-input"


def test_rules_listing_and_audit() -> None:
    listing = matcalc.rules()
    assert len(listing) > 100
    names = {r["name"] for r in listing}
    assert {"d-product", "d-trace"} <= names
    r = next(r for r in listing if r["name"] == "d-product")
    assert {"family", "phase", "identity", "lhs", "rhs", "conditions", "reference"} <= set(r)
    assert "audit" not in r
    audited = matcalc.rules(audit=True)
    verdicts = {r["name"]: r["audit"]["verdict"] for r in audited}
    assert len(verdicts) == len(listing)
    assert [n for n, v in verdicts.items() if v == "unsound"] == []


def test_stubs_and_marker_are_installed() -> None:
    pkg = Path(matcalc.__file__).parent
    assert (pkg / "py.typed").is_file()
    stub = (pkg / "_matcalc.pyi").read_text()
    for name in ("derive", "show", "equiv", "batch", "rules_listing"):
        assert f"def {name}(" in stub
        assert callable(getattr(_matcalc, name))
    assert matcalc.__version__ == _matcalc.__version__


def test_docstrings() -> None:
    for obj in (matcalc, matcalc.derive, matcalc.equiv, matcalc.show, matcalc.batch, matcalc.rules,
                matcalc.Derivation, matcalc.Derivation.function, matcalc.InputError, matcalc.DerivationError):
        assert obj.__doc__ and len(obj.__doc__) > 40, obj
