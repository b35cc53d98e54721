"""`_repr_latex_` is valid LaTeX: rendered by KaTeX (through node, when ci.sh could
install it from npm), parsed strictly by pylatexenc, and offered by IPython's
formatter next to the Markdown."""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest

import matcalc
from conftest import katex_dir, read_cases

CASES = read_cases("catalog.jsonl")


def _derivations():
    out = []
    for c in CASES:
        for layout in ("numerator", "denominator"):
            out.append(matcalc.derive(c["expr"], c["wrt"], let=c["decls"], layout=layout, steps=True))
    out += matcalc.derive("x'*A*x", ["x"], order=2)
    out += matcalc.derive("norm2(W2*sigmoid(W1*x) - y)^2", "W1,W2")
    out.append(matcalc.derive("logdet(S)", "S", let="S: symmetric(n)", symmetric="entries"))
    out.append(matcalc.derive("A*X*B", "X"))
    return out


DERIVATIONS = _derivations()


def _math(s: str) -> str:
    """The math inside `$…$` (or `$$…$$`)."""
    s = s.strip()
    assert s.startswith("$") and s.endswith("$"), s
    return s.strip("$").strip()


def _all_latex():
    texts = []
    for d in DERIVATIONS:
        texts.append(_math(d._repr_latex_()))
        texts.append(d.latex)
        md = d._repr_markdown_()
        texts.append(md.split("$$")[1].strip())
        for s in d.steps or []:
            texts.append(s["latex"])
    texts.append(_math(matcalc.show("norm2(W*x + b)^2")._repr_latex_()))
    return texts


def test_repr_latex_is_math_mode() -> None:
    for d in DERIVATIONS:
        r = d._repr_latex_()
        assert r.startswith("$") and r.endswith("$")
        assert r.count("{") == r.count("}"), r
        assert d.latex in r


@pytest.mark.skipif(katex_dir() is None, reason="KaTeX (npm) not installed: set MATCALC_KATEX_DIR")
def test_katex_renders_every_latex_output() -> None:
    node = shutil.which("node")
    assert node, "node is needed with KaTeX"
    script = r"""
const katex = require(process.argv[1] + '/node_modules/katex');
const texts = JSON.parse(require('fs').readFileSync(0, 'utf8'));
const bad = [];
for (const t of texts) {
  try { katex.renderToString(t, {throwOnError: true, displayMode: true, strict: 'error'}); }
  catch (e) { bad.push({tex: t, error: String(e.message)}); }
}
process.stdout.write(JSON.stringify({n: texts.length, bad}));
"""
    texts = _all_latex()
    out = subprocess.run(
        [node, "-e", script, katex_dir()], input=json.dumps(texts), capture_output=True, text=True, check=True
    )
    result = json.loads(out.stdout)
    assert result["n"] == len(texts)
    assert result["bad"] == [], json.dumps(result["bad"][:5], indent=1, ensure_ascii=False)


def test_pylatexenc_parses_every_latex_output_strictly() -> None:
    walker = pytest.importorskip("pylatexenc.latexwalker")
    for t in _all_latex():
        w = walker.LatexWalker(t, tolerant_parsing=False)
        nodes, _, _ = w.get_latex_nodes()
        assert nodes, t


def test_ipython_formatter_offers_latex_and_markdown() -> None:
    formatters = pytest.importorskip("IPython.core.formatters")
    d = matcalc.derive("tr(A*X*B)", "X")
    data, _ = formatters.DisplayFormatter().format(d)
    assert data["text/latex"] == d._repr_latex_()
    assert "B*A" in data["text/markdown"]
    assert "text/plain" in data
    e = matcalc.equiv("x'*(A + A')", "x'*A + (A*x)'")
    data, _ = formatters.DisplayFormatter().format(e)
    assert "equal" in data["text/markdown"]
