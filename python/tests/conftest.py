"""Shared helpers: the repository's catalogs, random inputs, and central finite
differences computed here in NumPy (never by the Rust oracle)."""

from __future__ import annotations

import json
import os
import zlib
from pathlib import Path
from typing import Any, Callable, Dict, List, Mapping, Tuple

import numpy as np
import pytest

# python/tests/conftest.py -> the repository root
REPO = Path(__file__).resolve().parents[2]
CASES = REPO / "tests" / "cases"


def read_cases(name: str) -> List[Dict[str, Any]]:
    """The cases of tests/cases/NAME.jsonl, in order."""
    path = CASES / name
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def dim(text: str, dims: Mapping[str, int]) -> int:
    """A size expression (`n`, `3`, `m*n`) under the case's sizes."""
    total = 1
    for factor in text.split("*"):
        factor = factor.strip()
        total *= int(factor) if factor.isdigit() else int(dims[factor])
    return total


def random_inputs(
    inputs: Mapping[str, Mapping[str, Any]], dims: Mapping[str, int], seed_text: str
) -> Dict[str, Any]:
    """A point for every name: floats for scalars, (n,1) columns for vectors, square
    matrices well away from singular (det > 0), symmetric ones positive definite,
    simplex vectors positive and summing to 1."""
    rng = np.random.default_rng(zlib.crc32(seed_text.encode()))
    out: Dict[str, Any] = {}
    for name, info in inputs.items():
        kind = info["kind"]
        r, c = (dim(s, dims) for s in info["shape"])
        if kind == "scalar":
            out[name] = float(rng.uniform(0.5, 1.5))
        elif kind == "simplex":
            v = rng.uniform(0.2, 1.0, size=(r, 1))
            out[name] = v / v.sum()
        elif kind == "vector":
            out[name] = rng.normal(size=(r, 1))
        elif kind == "symmetric":
            m = rng.normal(size=(r, r))
            out[name] = m @ m.T / r + np.eye(r)
        elif r == c:
            out[name] = 2.0 * np.eye(r) + 0.3 * rng.normal(size=(r, r))
        else:
            out[name] = rng.normal(size=(r, c))
    return out


def evaluate(code: str, values: Mapping[str, Any]) -> np.ndarray:
    """A catalog's hand-written NumPy expression (`f_numpy`) at a point, as a 2-D array."""
    v = np.asarray(eval(code, {"np": np}, dict(values)), dtype=float)
    return v.reshape(1, 1) if v.ndim == 0 else v


def _vec(a: Any) -> np.ndarray:
    """vec(A): the columns stacked (column-major), as a 1-D array."""
    return np.atleast_2d(np.asarray(a, dtype=float)).ravel(order="F")


def _perturbed(values: Mapping[str, Any], name: str, k: int, h: float) -> Dict[str, Any]:
    """The point with entry k of vec(name) moved by h."""
    orig = values[name]
    base = np.array(np.atleast_2d(np.asarray(orig, dtype=float)))
    i, j = np.unravel_index(k, base.shape, order="F")
    base[i, j] += h
    out = dict(values)
    out[name] = float(base[0, 0]) if isinstance(orig, float) else base.reshape(np.shape(orig))
    return out


def fd_jacobian(f: Callable[[Mapping[str, Any]], Any], values: Mapping[str, Any], name: str, h: float = 1e-6) -> np.ndarray:
    """J[a, b] = d vec(f)_a / d vec(name)_b by central differences."""
    n = np.size(values[name])
    cols = []
    for k in range(n):
        plus = _vec(f(_perturbed(values, name, k, h)))
        minus = _vec(f(_perturbed(values, name, k, -h)))
        cols.append((plus - minus) / (2 * h))
    return np.stack(cols, axis=1)


def fd_hessian(
    f: Callable[[Mapping[str, Any]], Any], values: Mapping[str, Any], u: str, v: str, h: float = 1e-4
) -> np.ndarray:
    """H[a, b] = d² f / d vec(u)_a d vec(v)_b by central second differences."""
    nu, nv = np.size(values[u]), np.size(values[v])
    H = np.zeros((nu, nv))

    def at(a: int, sa: float, b: int, sb: float) -> float:
        p = _perturbed(values, u, a, sa)
        p = _perturbed(p, v, b, sb)
        return float(_vec(f(p))[0])

    for a in range(nu):
        for b in range(nv):
            H[a, b] = (at(a, h, b, h) - at(a, h, b, -h) - at(a, -h, b, h) + at(a, -h, b, -h)) / (4 * h * h)
    return H


def expected_derivative(kind: str, J: np.ndarray, var_shape: Tuple[int, int], f_shape: Tuple[int, int]) -> np.ndarray:
    """The numerator-layout derivative of SPEC §2 from the Jacobian of vec(f) by vec(x):
    scalar by matrix X (p×q) is the q×p C of df = tr(C dX); matrix by scalar is m×n;
    every other kind is the Jacobian itself."""
    if kind == "scalar-by-matrix":
        p, q = var_shape
        return J[0].reshape((p, q), order="F").T
    if kind == "matrix-by-scalar":
        return J[:, 0].reshape(f_shape, order="F")
    return J


def assert_close(got: np.ndarray, want: np.ndarray, rtol: float = 1e-5, what: str = "") -> None:
    assert got.shape == want.shape, f"{what}: shape {got.shape}, expected {want.shape}"
    scale = max(1.0, float(np.max(np.abs(want))) if want.size else 1.0)
    err = float(np.max(np.abs(got - want))) if want.size else 0.0
    assert err <= rtol * scale, f"{what}: largest difference {err:.3e} (scale {scale:.3e})\n{got}\nvs finite differences\n{want}"


def one_d(values: Mapping[str, Any]) -> Dict[str, Any]:
    """The same point with every (n,1) column given as a 1-D array."""
    return {
        k: (v.ravel() if isinstance(v, np.ndarray) and v.ndim == 2 and v.shape[1] == 1 else v)
        for k, v in values.items()
    }


def case_id(case: Mapping[str, Any]) -> str:
    return str(case["id"])


@pytest.fixture(scope="session")
def catalog() -> List[Dict[str, Any]]:
    return read_cases("catalog.jsonl")


def katex_dir() -> str | None:
    """Where `npm install katex` put KaTeX, if anywhere (ci.sh sets MATCALC_KATEX_DIR)."""
    d = os.environ.get("MATCALC_KATEX_DIR")
    if d and (Path(d) / "node_modules" / "katex").is_dir():
        return d
    return None
