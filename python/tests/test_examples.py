"""examples/python_demo.py runs as a new user would run it."""

from __future__ import annotations

import subprocess
import sys

from conftest import REPO


def test_python_demo_runs() -> None:
    out = subprocess.run(
        [sys.executable, str(REPO / "examples" / "python_demo.py")], capture_output=True, text=True, timeout=120
    )
    assert out.returncode == 0, out.stderr
    assert "d/dx x'*A*x = x'*(A + A')" in out.stdout
    assert "gradient of the logistic loss: X'*(sigmoid(X*w) - y)" in out.stdout
    assert "after 20 steps" in out.stdout
