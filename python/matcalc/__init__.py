"""matcalc: matrix derivatives by the method of differentials, from Python.

The derivations are done by the Rust library (an ``egg`` e-graph saturated with
identities kept as rewrite rules); this package gives them to Python as objects that a
notebook typesets and as NumPy functions an optimiser can call::

    >>> import matcalc
    >>> d = matcalc.derive("x'*A*x", "x")
    >>> d.text
    "x'*(A + A')"
    >>> grad = matcalc.derive("x'*A*x", "x", layout="denominator").function()
    >>> grad(x=[1.0, 2.0], A=[[1.0, 0.0], [0.0, 3.0]]).ravel().tolist()
    [2.0, 12.0]

Functions: :func:`derive`, :func:`equiv`, :func:`show`, :func:`batch`, :func:`rules`.
Errors: :class:`InputError` (bad input, with the caret message and the span) and
:class:`DerivationError` (a limit or a failure stopped the work), both
:class:`MatcalcError`. Wrong argument types raise :class:`TypeError`.

The language is that of the command line (``matcalc language`` lists it): ``A*B``,
``A'``, ``A .* B``, ``tr det logdet inv kron diag vec sum norm2 exp log sigmoid …``;
declarations such as ``"A: matrix(m,n); x: vector(n); s: scalar; S: symmetric(n)"``.
"""

from __future__ import annotations

import inspect
import json
import math
import os
import re
import warnings
from typing import (
    Any,
    Callable,
    Dict,
    Iterable,
    List,
    Mapping,
    Optional,
    Sequence,
    Tuple,
    Union,
    overload,
)

from . import _matcalc

__version__: str = _matcalc.__version__

__all__ = [
    "derive",
    "equiv",
    "show",
    "batch",
    "rules",
    "Derivation",
    "Equivalence",
    "Expression",
    "BatchRows",
    "MatcalcError",
    "InputError",
    "DerivationError",
    "MatcalcWarning",
    "__version__",
]

Decls = Union[str, Mapping[str, str], None]
"""Declarations: ``"A: matrix(m,n); x: vector(n)"``, or ``{"A": "matrix(m,n)"}``."""

_LAYOUTS = ("numerator", "denominator")
_CONVENTIONS = ("sym", "entries", "none")


# ---------------------------------------------------------------------------------
# Errors


class MatcalcError(Exception):
    """Base class of matcalc's errors.

    Attributes:
        message: the first problem, one line.
        render: the full text the command line prints (with carets for bad input).
        exit_code: the command line's exit code for it (2 bad input, 1 otherwise).
    """

    def __init__(self, message: str, render: str = "", exit_code: int = 1) -> None:
        super().__init__(render.rstrip("\n") or message)
        self.message: str = message
        self.render: str = render or f"error: {message}\n"
        self.exit_code: int = exit_code


class InputError(MatcalcError, ValueError):
    """Bad input: a syntax error, an unknown function, a shape mismatch, a ``wrt`` name
    that does not occur, …

    ``str(e)`` is the caret text, every problem with a caret under its span, e.g.::

        error: cannot multiply A (m×n) by x (m×1)
          ┌─ expression:1:1
          │
        1 │ A*x
          │ ^^^

    Attributes (besides those of :class:`MatcalcError`):
        span: ``(start, end)`` byte offsets of the first problem in its input, or None
            when the problem points at no text (e.g. an unknown ``wrt`` name).
        input: which text ``span`` points into: ``"expr"`` (the expression, or the
            left one of :func:`equiv`), ``"expr2"`` (the right one) or ``"let"``.
        diagnostics: every problem, each a dict with ``message``, ``span``,
            ``input``, ``label``, ``notes`` and ``source`` (the text pointed into).
    """

    def __init__(
        self,
        message: str,
        render: str = "",
        exit_code: int = 2,
        diagnostics: Optional[List[Dict[str, Any]]] = None,
    ) -> None:
        super().__init__(message, render, exit_code)
        self.diagnostics: List[Dict[str, Any]] = list(diagnostics or [])
        first = self.diagnostics[0] if self.diagnostics else None
        self.span: Optional[Tuple[int, int]] = (
            (int(first["span"][0]), int(first["span"][1])) if first else None
        )
        self.input: Optional[str] = first["input"] if first else None


class DerivationError(MatcalcError):
    """The input was fine, but the work did not reach an answer.

    Attributes (besides those of :class:`MatcalcError`):
        reason: why it stopped (for a limit, which limit: ``"the time limit ended the
            differentiation (the expression is very large)"``).
        kind: ``"limit"`` (a node, iteration or time limit stopped it), ``"failed"``
            (a derivation or check failed) or ``"internal"`` (a bug in matcalc: a
            panic in the library, caught before it reached Python).
    """

    def __init__(self, message: str, render: str = "", exit_code: int = 1, kind: str = "failed") -> None:
        super().__init__(message, render, exit_code)
        self.reason: str = message
        self.kind: str = kind

    @property
    def limit(self) -> bool:
        """Whether a limit (time, nodes, iterations) stopped the work."""
        return self.kind == "limit"


class MatcalcWarning(UserWarning):
    """A warning of reading the input (a declared name the expression does not use)."""


def _raise(err: Dict[str, Any]) -> None:
    kind = err.get("type", "internal")
    # The library words a few messages for the command line (`--wrt y: …`).
    message = _python_words(err.get("message", ""))
    render = _python_words(err.get("render", ""))
    code = int(err.get("exit_code", 1))
    if kind == "input":
        raise InputError(message, render, code, err.get("diagnostics"))
    raise DerivationError(message, render, code, kind)


def _python_words(s: str) -> str:
    return s.replace("--wrt ", "wrt ").replace("--order ", "order ")


def _decode(text: str) -> Any:
    value = json.loads(text)
    if isinstance(value, dict) and "error" in value:
        _raise(value["error"])
    return value


# ---------------------------------------------------------------------------------
# Argument checking


def _type_name(v: Any) -> str:
    return type(v).__name__


def _need_str(name: str, v: Any) -> str:
    if not isinstance(v, str):
        raise TypeError(f"{name} must be a str, not {_type_name(v)}")
    return v


def _need_bool(name: str, v: Any) -> bool:
    if isinstance(v, bool):
        return v
    if type(v).__name__ == "bool_" and type(v).__module__ == "numpy":
        return bool(v)
    raise TypeError(f"{name} must be a bool, not {_type_name(v)}")


def _need_choice(name: str, v: Any, choices: Sequence[str]) -> str:
    _need_str(name, v)
    if v not in choices:
        listed = ", ".join(f'"{c}"' for c in choices)
        raise ValueError(f"{name} must be one of {listed}, not {v!r}")
    return v


def _decls(v: Decls) -> str:
    """``let`` as the declarations text."""
    if v is None:
        return ""
    if isinstance(v, str):
        return v
    if isinstance(v, Mapping):
        parts = []
        for name, kind in v.items():
            if not isinstance(name, str) or not isinstance(kind, str):
                raise TypeError(
                    "let must map names (str) to declarations (str), e.g. "
                    '{"A": "matrix(m,n)"}, not ' + f"{_type_name(name)}: {_type_name(kind)}"
                )
            parts.append(f"{name}: {kind}")
        return "; ".join(parts)
    raise TypeError(
        f'let must be a str ("A: matrix(m,n); x: vector(n)"), a mapping or None, not {_type_name(v)}'
    )


def _names(wrt: Any) -> Tuple[List[str], bool]:
    """The ``wrt`` names, and whether the caller asked for several (gets a list)."""
    if isinstance(wrt, str):
        names = [w.strip() for w in wrt.split(",")]
        several = len(names) > 1
    elif isinstance(wrt, (list, tuple)):
        names = []
        for w in wrt:
            if not isinstance(w, str):
                raise TypeError(f"wrt must hold names (str), not {_type_name(w)}")
            names.append(w.strip())
        several = True
    else:
        raise TypeError(f'wrt must be a name, "x,y", or a list of names, not {_type_name(wrt)}')
    if not names or any(not n for n in names):
        raise ValueError(f"wrt must name the variable(s) of differentiation, not {wrt!r}")
    return names, several


def _seconds(name: str, v: Any) -> Optional[float]:
    if v is None:
        return None
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        raise TypeError(f"{name} must be a number of seconds or None, not {_type_name(v)}")
    v = float(v)
    if not math.isfinite(v) or v < 0:
        raise ValueError(f"{name} must be a non-negative number of seconds, not {v}")
    return v


def _rule_names(v: Any) -> List[str]:
    if isinstance(v, str):
        v = [s.strip() for s in v.split(",") if s.strip()]
    if not isinstance(v, (list, tuple)):
        raise TypeError(f"without must be a list of rule names, not {_type_name(v)}")
    for r in v:
        if not isinstance(r, str):
            raise TypeError(f"without must hold rule names (str), not {_type_name(r)}")
    return list(v)


def _jobs(v: Any) -> Optional[int]:
    if v is None:
        return None
    if isinstance(v, bool) or not isinstance(v, int):
        raise TypeError(f"jobs must be an int or None, not {_type_name(v)}")
    if v < 1:
        raise ValueError(f"jobs must be at least 1, not {v}")
    return v


# ---------------------------------------------------------------------------------
# NumPy functions


_DIM = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


class _Dims:
    """Sizes bound from the arrays given, each with the input it was read from."""

    def __init__(self) -> None:
        self.sizes: Dict[str, Tuple[int, str]] = {}

    def bind(self, dim: str, n: int, where: str) -> None:
        dim = dim.strip()
        if dim.isdigit():
            if int(dim) != n:
                raise ValueError(f"{where} is {n}, but it must be {dim}")
            return
        if not _DIM.match(dim):
            return  # a product such as m*n: checked through its factors
        if dim in self.sizes and self.sizes[dim][0] != n:
            size, first = self.sizes[dim]
            raise ValueError(
                f"{where} is {n}, but {first} is {size}: both are the size {dim}"
            )
        self.sizes.setdefault(dim, (n, where))

    def size(self, dim: str) -> Optional[int]:
        total = 1
        for factor in dim.split("*"):
            factor = factor.strip()
            if factor.isdigit():
                total *= int(factor)
            elif factor in self.sizes:
                total *= self.sizes[factor][0]
            else:
                return None
        return total


def _as_input(name: str, info: Mapping[str, Any], value: Any, dims: _Dims) -> Any:
    """An argument as the NumPy form expects it: floats for scalars, (n,1) columns for
    vectors, 2-D arrays for matrices; sizes bound and checked against the others."""
    import numpy as np

    kind = info["kind"]
    rows, cols = info["shape"]
    try:
        a = np.asarray(value, dtype=float)
    except (TypeError, ValueError) as e:
        raise TypeError(f"{name} must be a number or an array of numbers, not {_type_name(value)}") from e
    if kind == "scalar":
        if a.size != 1 or a.ndim > 2:
            raise ValueError(f"{name} is a scalar, but an array of shape {a.shape} was given")
        return float(a.reshape(()))
    if kind in ("vector", "simplex"):
        if a.ndim == 1:
            a = a.reshape(-1, 1)
        elif a.ndim != 2 or a.shape[1] != 1:
            hint = " (a row: pass it as a 1-D array or a column)" if a.ndim == 2 and a.shape[0] == 1 else ""
            raise ValueError(
                f"{name} is a vector ({rows}×1): give a 1-D array or an (n,1) column, not shape {a.shape}{hint}"
            )
        dims.bind(rows, a.shape[0], f"the length of {name}")
        return a
    # matrix, symmetric
    if a.ndim != 2:
        raise ValueError(f"{name} is a matrix ({rows}×{cols}): give a 2-D array, not shape {a.shape}")
    dims.bind(rows, a.shape[0], f"the number of rows of {name}")
    dims.bind(cols, a.shape[1], f"the number of columns of {name}")
    return a


def _names_used(code: Any) -> "set[str]":
    """Every name a compiled expression reads, nested scopes (comprehensions) included."""
    names = set(code.co_names) | set(getattr(code, "co_freevars", ()))
    for c in code.co_consts:
        if hasattr(c, "co_names"):
            names |= _names_used(c)
    return names


def _make_function(
    code: str,
    shape: Sequence[str],
    inputs: Mapping[str, Mapping[str, Any]],
    label: str,
    squeeze: bool,
) -> Callable[..., Any]:
    import numpy as np

    compiled = compile(code, f"<matcalc {label}>", "eval")
    used = _names_used(compiled)
    names = list(inputs)
    required = [n for n in names if n in used]
    optional = [n for n in names if n not in used]
    rows, cols = shape

    def evaluate(*args: Any, **kwargs: Any) -> Any:
        if len(args) > len(names):
            raise TypeError(f"{label} takes at most {len(names)} positional arguments ({', '.join(names)})")
        given: Dict[str, Any] = dict(zip(names, args))
        for k, v in kwargs.items():
            if k not in inputs:
                raise TypeError(f"{label} got an unexpected argument {k!r} (its inputs: {', '.join(names)})")
            if k in given:
                raise TypeError(f"{label} got two values for {k!r}")
            given[k] = v
        missing = [n for n in required if given.get(n) is None]
        if missing:
            raise TypeError(f"{label} needs {', '.join(missing)}")
        dims = _Dims()
        values: Dict[str, Any] = {}
        for n in names:
            if given.get(n) is not None:
                values[n] = _as_input(n, inputs[n], given[n], dims)
        # The inputs are globals, not locals: the `where` bindings of a NumPy form are
        # a comprehension, whose scope sees globals but not the locals of `eval`.
        scope: Dict[str, Any] = {"__builtins__": {}}
        scope.update(values)
        scope["np"] = np
        out = np.asarray(eval(compiled, scope), dtype=float)
        want = (dims.size(rows), dims.size(cols))
        if want[0] is not None and want[1] is not None:
            target = (want[0], want[1])
            if out.shape != target:
                if out.size == 1:
                    out = np.full(target, float(out.reshape(())))
                elif out.size == target[0] * target[1] and out.ndim <= 1:
                    out = out.reshape(target)
                else:
                    raise MatcalcError(
                        f"internal error (a bug in matcalc): the NumPy form of {label} gave shape "
                        f"{out.shape}, not {target}"
                    )
        elif out.ndim < 2:
            out = out.reshape(1, -1) if out.ndim == 1 else out.reshape(1, 1)
        if squeeze:
            out = out.squeeze()
            return float(out) if out.ndim == 0 else out
        return out

    params = [inspect.Parameter(n, inspect.Parameter.POSITIONAL_OR_KEYWORD) for n in required]
    params += [inspect.Parameter(n, inspect.Parameter.POSITIONAL_OR_KEYWORD, default=None) for n in optional]
    # Keep the positional order of the inputs: required ones first only if that
    # does not reorder them (a signature needs defaults last).
    if [p.name for p in params] != names:
        params = [
            inspect.Parameter(n, inspect.Parameter.POSITIONAL_OR_KEYWORD, default=None) for n in names
        ]
    evaluate.__signature__ = inspect.Signature(params)  # type: ignore[attr-defined]
    evaluate.__name__ = "matcalc_function"
    evaluate.__qualname__ = "matcalc_function"
    evaluate.__doc__ = (
        f"{label}, evaluated with NumPy.\n\n"
        f"Inputs by name (or in this order): {', '.join(names) or '(none)'}; vectors as 1-D "
        f"arrays or (n,1) columns, scalars as numbers.\n"
        f"Returns an array of shape {rows}×{cols}.\n\n"
        f"NumPy form: {code}"
    )
    setattr(evaluate, "numpy", code)
    setattr(evaluate, "inputs", tuple(names))
    return evaluate


# ---------------------------------------------------------------------------------
# Results


def _shape_text(shape: Sequence[str]) -> str:
    return f"{shape[0]}×{shape[1]}"


def _md_code(s: str) -> str:
    fence = "``" if "`" in s else "`"
    pad = " " if s.startswith("`") or s.endswith("`") else ""
    return f"{fence}{pad}{s}{pad}{fence}"


class Derivation:
    """One derivative (or one Hessian block), as :func:`derive` returns it.

    It has the fields of the command line's JSON (``matcalc derive --format json``),
    each as a read-only attribute: :attr:`expr`, :attr:`wrt`, :attr:`kind`,
    :attr:`layout`, :attr:`order`, :attr:`convention`, :attr:`shape`,
    :attr:`differential`, :attr:`derivative`, :attr:`derivative_shared`,
    :attr:`bindings`, :attr:`latex`, :attr:`numpy`, :attr:`decls`, :attr:`stats`,
    :attr:`check` and :attr:`steps`; :attr:`text` is the printed form (with ``where``
    definitions when the derivative repeats a large subterm). :meth:`function` gives
    it as a NumPy function. In a notebook it shows typeset.
    """

    __slots__ = ("_r", "_inputs", "_warnings", "_shown")

    def __init__(
        self,
        report: Dict[str, Any],
        inputs: Sequence[Mapping[str, Any]],
        warnings: Sequence[str] = (),
    ) -> None:
        self._r = report
        self._inputs = {i["name"]: dict(i) for i in inputs}
        self._warnings = list(warnings)
        self._shown: Dict[str, Any] = {}

    def _show(self, expr: str) -> Dict[str, Any]:
        """``show`` of a text under this derivation's declarations, read once when a
        notebook asks (a derivation itself does not pay for it)."""
        got = self._shown.get(expr)
        if got is None:
            got = _decode(_matcalc.show(expr, self.decls))
            self._shown[expr] = got
        return got

    # The report's fields -------------------------------------------------------

    @property
    def text(self) -> str:
        """The derivative as text that reads back as input, e.g. ``x'*(A + A')``;
        with ``… where h1 = …`` when it names a large repeated subterm."""
        return self._r["text"]

    @property
    def expr(self) -> str:
        """The expression differentiated, as given."""
        return self._r["expr"]

    @property
    def wrt(self) -> List[str]:
        """The variable (one name), or the pair of a mixed second-order block."""
        return list(self._r["wrt"])

    @property
    def kind(self) -> str:
        """``scalar-by-matrix`` and the like (SPEC §2)."""
        return self._r["kind"]

    @property
    def layout(self) -> str:
        """``numerator`` or ``denominator``."""
        return self._r["layout"]

    @property
    def order(self) -> int:
        """1 for a derivative, 2 for a Hessian block."""
        return int(self._r["order"])

    @property
    def convention(self) -> Optional[str]:
        """For a symmetric variable: ``sym``, ``entries`` or ``none``; else None."""
        return self._r["convention"]

    @property
    def shape(self) -> Tuple[str, str]:
        """Rows and columns of the derivative, as size expressions: ``("q", "p")``."""
        r, c = self._r["shape"]
        return (r, c)

    @property
    def differential(self) -> str:
        """The canonical differential with the derivative in it: ``tr(C*dX)``, ``J*dx``…"""
        return self._r["differential"]

    @property
    def derivative(self) -> str:
        """The derivative as self-contained text (no ``where``)."""
        return self._r["derivative"]

    @property
    def derivative_shared(self) -> str:
        """The derivative with its large repeated subterms named (see :attr:`bindings`)."""
        return self._r["derivative_shared"]

    @property
    def bindings(self) -> List[Dict[str, str]]:
        """The named subterms of :attr:`derivative_shared`: ``[{"name", "text"}]``."""
        return [dict(b) for b in self._r["bindings"]]

    @property
    def latex(self) -> str:
        """The derivative in LaTeX (math mode, no delimiters)."""
        return self._r["latex"]

    @property
    def numpy(self) -> Optional[str]:
        """A Python expression over ``np`` and the inputs (vectors as (n,1) columns,
        scalars as floats), or None if there is none. :meth:`function` wraps it."""
        return self._r["numpy"]

    @property
    def decls(self) -> str:
        """Declarations the texts read back under, with the inferred sizes."""
        return self._r["decls"]

    @property
    def stats(self) -> Dict[str, Any]:
        """What the search did: ``nodes``, ``forward_steps``, ``collect_steps``,
        ``derive_ms``, ``simplify_nodes``, ``simplify_iterations``, ``simplify_stop``,
        ``ms``, ``note``, ``rules`` (each rule applied, with its count), ``ill_shaped``."""
        return json.loads(json.dumps(self._r["stats"]))

    @property
    def check(self) -> Optional[Dict[str, Any]]:
        """With ``check=True``: ``{"points", "max_rel_err", "ok"}`` of the comparison with
        central finite differences; else None."""
        c = self._r["check"]
        return dict(c) if c is not None else None

    @property
    def steps(self) -> Optional[List[Dict[str, Any]]]:
        """With ``steps=True``: the derivation, one dict a step (``expr``, ``latex``,
        ``rule``, ``backward``, ``reference``, ``folded``, ``justification``); else None."""
        s = self._r["steps"]
        return json.loads(json.dumps(s)) if s is not None else None

    # More --------------------------------------------------------------------

    @property
    def inputs(self) -> Dict[str, Dict[str, Any]]:
        """Every name of the expression: ``{name: {"kind", "shape", "declared"}}``,
        shapes after inference, in order of first use."""
        return {k: dict(v) for k, v in self._inputs.items()}

    @property
    def f(self) -> "Expression":
        """The expression differentiated, as :func:`show` reads it (its text, shape,
        LaTeX, NumPy form and :meth:`Expression.function`)."""
        return Expression(self._show(self.expr))

    @property
    def warnings(self) -> List[str]:
        """Warnings of reading the input (also issued as :class:`MatcalcWarning`)."""
        return list(self._warnings)

    def to_dict(self) -> Dict[str, Any]:
        """The report as a dict: the command line's JSON object, plus ``text``."""
        return json.loads(json.dumps(self._r))

    def function(self, *, squeeze: bool = False) -> Callable[..., Any]:
        """The derivative as a Python function of NumPy arrays.

        The function takes the inputs by name (or positionally, in the order of
        :attr:`inputs`): vectors as 1-D arrays or (n,1) columns, scalars as numbers,
        matrices as 2-D arrays; inputs the derivative does not use may be left out. It
        returns an array of the documented shape (:attr:`shape`, with the sizes read
        from the arguments): ``(1, n)`` for a scalar by a vector in numerator layout,
        ``(n, 1)`` in denominator layout, and so on. With ``squeeze=True`` the result
        is squeezed (a 1-D array for a gradient, a float for 1×1).

        Raises :class:`ValueError` when the arguments' sizes disagree (``x`` of length
        4 with ``A`` 3×3) and :class:`TypeError` for a missing or unknown argument.
        """
        _need_bool("squeeze", squeeze)
        if self.numpy is None:
            raise MatcalcError(f"d/d{','.join(self.wrt)} of {self.expr} has no NumPy form")
        return _make_function(self.numpy, self.shape, self._inputs, self._label(), squeeze)

    def _operator(self) -> str:
        """``d/dx``, ``d²/dx²`` or ``d²/dx dy``."""
        if self.order == 2:
            u, v = (self.wrt + self.wrt)[:2]
            return f"d²/d{u}²" if u == v else f"d²/d{u} d{v}"
        return f"d/d{self.wrt[0]}"

    def _label(self) -> str:
        return f"{self._operator()} {self.expr}"

    def _lhs_latex(self) -> str:
        def var(n: str) -> str:
            info = self._inputs.get(n, {})
            try:
                tex = self._show(n)["latex"]
            except MatcalcError:
                tex = n
            # a matrix variable's Hessian is in vec(X) coordinates (SPEC §2)
            if self.order == 2 and info.get("kind") in ("matrix", "symmetric"):
                return rf"\operatorname{{vec}}\left({tex}\right)"
            return tex

        f = self._show(self.expr)["latex"]
        if self.order == 2:
            u, v = (self.wrt + self.wrt)[:2]
            den = rf"\partial {var(u)}\,\partial {var(v)}^{{\top}}"
            op = rf"\frac{{\partial^{{2}}}}{{{den}}}"
        else:
            op = rf"\frac{{\partial}}{{\partial {var(self.wrt[0])}}}"
        return rf"{op}\left({f}\right)"

    def _repr_latex_(self) -> str:
        note = r"\quad\text{(denominator layout)}" if self.layout == "denominator" else ""
        return f"$\\displaystyle {self._lhs_latex()} = {self.latex}{note}$"

    def _repr_markdown_(self) -> str:
        lines = [
            f"**{self._operator()}** {_md_code(self.expr)} = {_md_code(self.text)}",
            "",
            f"$$ {self._lhs_latex()} = {self.latex} $$",
            "",
            f"*{self.kind}*, {_shape_text(self.shape)}, {self.layout} layout"
            + (f", convention {self.convention}" if self.convention else "")
            + (
                f"; checked at {self.check['points']} points (largest relative error "
                f"{self.check['max_rel_err']:.1e}){'' if self.check['ok'] else ' — FAILED'}"
                if self.check
                else ""
            ),
        ]
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.text

    def __repr__(self) -> str:
        return (
            f"<Derivation {self._operator()} {self.expr} = {self.text} "
            f"({self.kind}, {_shape_text(self.shape)}, {self.layout})>"
        )

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Derivation):
            return NotImplemented
        return _comparable(self._r) == _comparable(other._r)

    def __hash__(self) -> int:
        return hash((self.expr, tuple(self.wrt), self.text, self.layout, self.order))


def _comparable(r: Mapping[str, Any]) -> Dict[str, Any]:
    """A report less its timings, for equality."""
    out = {k: v for k, v in r.items() if k != "stats"}
    stats = {k: v for k, v in r["stats"].items() if k not in ("ms", "derive_ms")}
    out["stats"] = stats
    return out


class Expression:
    """An expression as :func:`show` reads it: the command line's ``show --format json``.

    Attributes: :attr:`text`, :attr:`shape`, :attr:`latex`, :attr:`numpy`,
    :attr:`decls`, :attr:`names`, :attr:`warnings`; :meth:`function` evaluates it.
    ``str(e)`` is ``EXPR : SHAPE`` as ``matcalc show`` prints it.
    """

    __slots__ = ("_v",)

    def __init__(self, value: Dict[str, Any]) -> None:
        self._v = value

    @property
    def text(self) -> str:
        """The expression as matcalc prints it (reads back the same)."""
        return self._v["expr"]

    @property
    def shape(self) -> Tuple[str, str]:
        """Its rows and columns, as size expressions."""
        r, c = self._v["shape"]
        return (r, c)

    @property
    def latex(self) -> str:
        """The expression in LaTeX (math mode, no delimiters)."""
        return self._v["latex"]

    @property
    def numpy(self) -> Optional[str]:
        """A Python expression over ``np`` and the names, or None."""
        return self._v["numpy"]

    @property
    def decls(self) -> str:
        """Every name declared, with inferred sizes, as ``let`` text."""
        return self._v["decls"]

    @property
    def names(self) -> Dict[str, Dict[str, Any]]:
        """Every name: ``{name: {"kind", "shape", "declared"}}``."""
        return json.loads(json.dumps(self._v["names"]))

    @property
    def warnings(self) -> List[str]:
        """Warnings of reading it (declared names it does not use)."""
        return list(self._v["warnings"])

    def to_dict(self) -> Dict[str, Any]:
        """The command line's JSON object (plus ``inputs``)."""
        return json.loads(json.dumps(self._v))

    def function(self, *, squeeze: bool = False) -> Callable[..., Any]:
        """The expression as a function of NumPy arrays (see :meth:`Derivation.function`)."""
        _need_bool("squeeze", squeeze)
        if self.numpy is None:
            raise MatcalcError(f"{self.text} has no NumPy form")
        inputs = {i["name"]: dict(i) for i in self._v["inputs"]}
        return _make_function(self.numpy, self.shape, inputs, self.text, squeeze)

    def _repr_latex_(self) -> str:
        return f"$\\displaystyle {self.latex}$"

    def __str__(self) -> str:
        return f"{self.text} : {_shape_text(self.shape)}"

    def __repr__(self) -> str:
        return f"<Expression {self}>"


class Equivalence:
    """The verdict of :func:`equiv` on two expressions, and its evidence.

    Attributes (the command line's JSON): :attr:`left`, :attr:`right`,
    :attr:`verdict` (``"equal"``, ``"not equal"`` or ``"unknown"``), :attr:`proof`
    (for equal: the chain of rules from left to right), :attr:`counterexample` (for not
    equal at a point), :attr:`shapes` (for not equal by shape), :attr:`points` (for
    unknown: the random points where they agree), :attr:`stats`, :attr:`exit_code`.
    ``bool(e)`` is whether they were proved equal.
    """

    __slots__ = ("_v",)

    def __init__(self, value: Dict[str, Any]) -> None:
        self._v = value

    @property
    def left(self) -> str:
        return self._v["left"]

    @property
    def right(self) -> str:
        return self._v["right"]

    @property
    def verdict(self) -> str:
        """``"equal"`` (proved), ``"not equal"`` (a counterexample or different
        shapes) or ``"unknown"`` (no proof within the limits, equal at random points)."""
        return self._v["verdict"]

    @property
    def equal(self) -> bool:
        """Whether a proof was found."""
        return self.verdict == "equal"

    @property
    def proof(self) -> Optional[List[Dict[str, Any]]]:
        """For ``equal``: the steps (``expr``, ``latex``, ``rule``, ``backward``,
        ``reference``, ``folded``, ``justification``), left side first."""
        p = self._v["proof"]
        return json.loads(json.dumps(p)) if p is not None else None

    @property
    def counterexample(self) -> Optional[Dict[str, Any]]:
        """For ``not equal`` at a point: ``values`` (each name's value, as rows),
        ``left``, ``right`` (both sides there), ``rel_err``, and ``truncated`` (whether a
        value is larger than the 6×6 corner shown)."""
        c = self._v["counterexample"]
        return json.loads(json.dumps(c)) if c is not None else None

    @property
    def shapes(self) -> Optional[List[List[str]]]:
        """For ``not equal`` by shape: the two shapes."""
        s = self._v["shapes"]
        return json.loads(json.dumps(s)) if s is not None else None

    @property
    def points(self) -> Optional[int]:
        """For ``unknown``: the random points where both sides agree."""
        return self._v["points"]

    @property
    def stats(self) -> Optional[Dict[str, Any]]:
        """The proof search: ``nodes``, ``classes``, ``iterations``, ``stop``, ``ms``."""
        s = self._v["stats"]
        return dict(s) if s is not None else None

    @property
    def exit_code(self) -> int:
        """As ``matcalc equiv`` exits: 0 equal, 1 not equal, 3 unknown."""
        return int(self._v["exit_code"])

    @property
    def text(self) -> str:
        """The verdict and its evidence as ``matcalc equiv`` prints them."""
        if self.verdict == "equal":
            steps = self.proof or []
            width = max((len(s["expr"]) for s in steps), default=0)
            lines = ["equal"]
            for i, s in enumerate(steps):
                lead = "  " if i == 0 else "= "
                why = f"   [{s['justification']}]" if s["justification"] else ""
                lines.append(f"{lead}{s['expr']:<{width}}{why}".rstrip())
            return "\n".join(lines)
        if self.verdict == "not equal":
            if self.counterexample:
                return f"not equal (relative difference {self.counterexample['rel_err']:.2e})"
            if self.shapes:
                (a, b), (c, d) = self.shapes
                return f"not equal (shapes {a}×{b} and {c}×{d})"
            return "not equal"
        return f"unknown (no proof within the limits; equal at {self.points} random points)"

    def to_dict(self) -> Dict[str, Any]:
        """The command line's JSON object (plus ``exit_code``)."""
        return json.loads(json.dumps(self._v))

    def __bool__(self) -> bool:
        return self.equal

    def _repr_markdown_(self) -> str:
        return "```\n" + self.text + "\n```"

    def __str__(self) -> str:
        return self.text

    def __repr__(self) -> str:
        return f"<Equivalence {self.left} vs {self.right}: {self.verdict}>"


class BatchRows(List[Dict[str, Any]]):
    """The rows of :func:`batch` (a list of dicts), with :attr:`summary` (the command
    line's closing line) and :attr:`wall_ms`."""

    summary: str = ""
    wall_ms: float = 0.0


# ---------------------------------------------------------------------------------
# The functions


@overload
def derive(
    expr: str,
    wrt: str,
    *,
    let: Decls = ...,
    layout: str = ...,
    order: int = ...,
    symmetric: str = ...,
    check: bool = ...,
    steps: bool = ...,
    time_limit: Optional[float] = ...,
    without: Sequence[str] = ...,
) -> Derivation: ...
@overload
def derive(
    expr: str,
    wrt: Union[List[str], Tuple[str, ...]],
    *,
    let: Decls = ...,
    layout: str = ...,
    order: int = ...,
    symmetric: str = ...,
    check: bool = ...,
    steps: bool = ...,
    time_limit: Optional[float] = ...,
    without: Sequence[str] = ...,
) -> List[Derivation]: ...
def derive(
    expr: str,
    wrt: Union[str, List[str], Tuple[str, ...]],
    *,
    let: Decls = None,
    layout: str = "numerator",
    order: int = 1,
    symmetric: str = "sym",
    check: bool = False,
    steps: bool = False,
    time_limit: Optional[float] = None,
    without: Sequence[str] = (),
) -> Any:
    """Derives ``expr`` with respect to ``wrt``.

    Args:
        expr: the expression, e.g. ``"norm2(W*x + b)^2"`` (may end in
            ``where h1 = …; h2 = …`` definitions).
        wrt: the variable; several as a list (``["W", "b"]``) or ``"W,b"``, which
            return a list of derivations, one per variable (with ``order=2``, one per
            Hessian block ``(u, v)``, ``u`` not after ``v``).
        let: declarations, ``"A: matrix(m,n); x: vector(n); s: scalar;
            S: symmetric(n)"`` or ``{"A": "matrix(m,n)", "s": "scalar"}``. Sizes may
            be left out. Undeclared names with a capital initial are matrices, others
            vectors; scalars must be declared.
        layout: ``"numerator"`` (the method of differentials: 1×n for a scalar by a
            vector) or ``"denominator"`` (the transpose: the gradient, shaped like the
            variable).
        order: 1 for derivatives, 2 for Hessians (of a scalar).
        symmetric: for a symmetric variable: ``"sym"`` (the symmetric C with
            df = tr(C dS)), ``"entries"`` (by each independent entry) or ``"none"``.
        check: also compare with central finite differences (see
            :attr:`Derivation.check`; a failed check does not raise).
        steps: record the derivation step by step (:attr:`Derivation.steps`).
        time_limit: seconds for the whole derivation (default 5); hitting it raises
            :class:`DerivationError` with ``kind == "limit"``.
        without: names of rules to leave out.

    Returns:
        A :class:`Derivation`, or a list of them when ``wrt`` names several variables
        (or is a list).

    Raises:
        InputError: bad input (with the caret text and the span).
        DerivationError: a limit or a failure stopped the derivation.
        TypeError: an argument of the wrong type.
        ValueError: an argument out of range (``layout="rows"``, ``order=3``).
    """
    _need_str("expr", expr)
    names, several = _names(wrt)
    decls = _decls(let)
    _need_choice("layout", layout, _LAYOUTS)
    _need_choice("symmetric", symmetric, _CONVENTIONS)
    if isinstance(order, bool) or not isinstance(order, int):
        raise TypeError(f"order must be an int (1 or 2), not {_type_name(order)}")
    if order not in (1, 2):
        raise ValueError(f"order must be 1 (derivatives) or 2 (Hessians), not {order}")
    _need_bool("check", check)
    _need_bool("steps", steps)
    seconds = _seconds("time_limit", time_limit)
    rules_out = _rule_names(without)
    out = _decode(
        _matcalc.derive(expr, decls, names, order, layout, symmetric, check, steps, seconds, rules_out)
    )
    for w in out["warnings"]:
        warnings.warn(w, MatcalcWarning, stacklevel=2)
    found = [Derivation(r, out["inputs"], out["warnings"]) for r in out["reports"]]
    if several or len(found) != 1:
        return found
    return found[0]


def equiv(
    a: str,
    b: str,
    let: Decls = None,
    *,
    time_limit: Optional[float] = None,
    without: Sequence[str] = (),
) -> Equivalence:
    """Compares two expressions (read together: they share names and sizes).

    Returns an :class:`Equivalence`: ``equal`` with the chain of rules that proves it,
    ``not equal`` with a numeric counterexample (or the two shapes), or ``unknown``
    (no proof within the limits, but equal at random points).

    Raises :class:`InputError` for bad input (``input`` is ``"expr"`` for ``a``,
    ``"expr2"`` for ``b``), :class:`TypeError` for arguments of the wrong type.
    """
    _need_str("a", a)
    _need_str("b", b)
    decls = _decls(let)
    seconds = _seconds("time_limit", time_limit)
    rules_out = _rule_names(without)
    return Equivalence(_decode(_matcalc.equiv(a, b, decls, seconds, rules_out)))


def show(expr: str, let: Decls = None) -> Expression:
    """Reads an expression: its printed form, shape, LaTeX, NumPy form and every name's
    kind and inferred shape (``matcalc show --format json``).

    Raises :class:`InputError` for bad input, :class:`TypeError` for wrong types.
    """
    _need_str("expr", expr)
    decls = _decls(let)
    value = _decode(_matcalc.show(expr, decls))
    for w in value["warnings"]:
        warnings.warn(w, MatcalcWarning, stacklevel=2)
    return Expression(value)


def _catalog_text(cases_or_path: Any) -> str:
    if isinstance(cases_or_path, (str, os.PathLike)):
        with open(cases_or_path, encoding="utf-8") as f:
            return f.read()
    if isinstance(cases_or_path, (bytes, Mapping)) or not isinstance(cases_or_path, Iterable):
        raise TypeError(
            "cases_or_path must be a path or a list of cases (dicts or JSON lines), "
            f"not {_type_name(cases_or_path)}"
        )
    lines = []
    for case in cases_or_path:
        if isinstance(case, Mapping):
            lines.append(json.dumps(dict(case)))
        elif isinstance(case, str):
            lines.append(case.replace("\n", " "))
        else:
            raise TypeError(f"a case must be a dict or a JSON line (str), not {_type_name(case)}")
    return "\n".join(lines) + "\n"


def batch(
    cases_or_path: Union[str, "os.PathLike[str]", Iterable[Union[Mapping[str, Any], str]]],
    jobs: Optional[int] = None,
    *,
    layout: str = "numerator",
    symmetric: str = "sym",
    time_limit: Optional[float] = None,
) -> BatchRows:
    """Derives every case of a catalog on all cores (``matcalc batch``).

    Args:
        cases_or_path: a JSON Lines file (a path), or a list of cases, each a dict
            (or a JSON text) with ``id``, ``decls``, ``expr``, ``wrt`` and optional
            ``expected``, ``order``, ``symmetric``; other fields are ignored.
        jobs: worker threads (default: every core).
        layout, symmetric: as for :func:`derive`.
        time_limit: seconds for each case's derivation and each proof.

    Returns:
        One dict per case, in order (:class:`BatchRows`, a list): ``id``, ``expr``,
        ``wrt``, ``status`` (``derived``, ``unchecked``, ``bad-input``, ``failed``),
        ``exit``, ``kind``, ``shape``, ``derivative``, ``latex``, ``numpy``,
        ``checked``, ``max_rel_err``, ``expected``, ``expected_equal`` (``yes``,
        ``no``, ``unknown``), ``ms``, ``error``, ``stats``, … A bad case is a row
        (``status == "bad-input"``), not an exception.
    """
    text = _catalog_text(cases_or_path)
    n = _jobs(jobs)
    _need_choice("layout", layout, _LAYOUTS)
    _need_choice("symmetric", symmetric, _CONVENTIONS)
    seconds = _seconds("time_limit", time_limit)
    value = _decode(_matcalc.batch(text, n, layout, symmetric, seconds))
    rows = BatchRows(value["rows"])
    rows.summary = value["summary"]
    rows.wall_ms = float(value["wall_ms"])
    return rows


def rules(audit: bool = False, *, jobs: Optional[int] = None) -> List[Dict[str, Any]]:
    """The built-in rule set (``matcalc rules list``), one dict per rule: ``name``,
    ``family``, ``phase``, ``identity`` (in words), ``lhs``, ``rhs``, ``conditions``,
    ``reference``, ``line``, ``bookkeeping``.

    With ``audit=True`` each rule also has ``audit``, its numeric soundness verdict
    (``matcalc rules check``, the same seeds): ``{"verdict": "sound", "points": n}``,
    ``{"verdict": "unsound", "counterexample": …}`` or ``{"verdict": "unknown",
    "reason": …}``; the audit runs on ``jobs`` threads (every core by default).
    """
    _need_bool("audit", audit)
    n = _jobs(jobs)
    return _decode(_matcalc.rules_listing(audit, n))
