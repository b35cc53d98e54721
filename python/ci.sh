#!/usr/bin/env bash
# The Python package's CI: a venv with maturin, NumPy, pytest and the test extras
# (KaTeX from npm when npm is there), `pip install ./python` built from source, then
# pytest. Run from anywhere: `bash python/ci.sh`; extra arguments go to pytest.
#
#   PYTHON=python3.11      the interpreter (default python3; 3.9 or later)
#   MATCALC_VENV=DIR       where the venv goes (default $CARGO_TARGET_DIR or target/, /python-ci/venv)
#   CARGO_TARGET_DIR=DIR   where cargo builds (as for cargo)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

PYTHON="${PYTHON:-python3}"
WORK="${CARGO_TARGET_DIR:-$ROOT/target}/python-ci"
VENV="${MATCALC_VENV:-$WORK/venv}"
KATEX="$WORK/katex"
mkdir -p "$WORK"

"$PYTHON" -c 'import sys; assert sys.version_info >= (3, 9), sys.version' \
  || { echo "python/ci.sh: $PYTHON is older than 3.9"; exit 1; }

if [ ! -x "$VENV/bin/python" ]; then
  if ! "$PYTHON" -m venv "$VENV" 2>/dev/null; then
    # Debian splits venv (ensurepip) off; CI runs as root and may install it.
    rm -rf "$VENV"
    if command -v apt-get >/dev/null 2>&1; then
      ver=$("$PYTHON" -c 'import sys; print(f"{sys.version_info[0]}.{sys.version_info[1]}")')
      apt-get update -qq >/dev/null
      apt-get install -y -qq "python${ver}-venv" >/dev/null 2>&1 || apt-get install -y -qq python3-venv >/dev/null
    fi
    "$PYTHON" -m venv "$VENV"
  fi
fi
PY="$VENV/bin/python"
export PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_INPUT=1

echo "== python/ci.sh: $("$PY" --version), venv $VENV"
"$PY" -m pip install -q "maturin>=1.9.4,<2" "numpy>=1.21" "pytest>=7" ipython "pylatexenc>=2"

# KaTeX renders the LaTeX in a test; without npm that test is skipped, not failed.
if command -v npm >/dev/null 2>&1 && command -v node >/dev/null 2>&1; then
  if [ ! -d "$KATEX/node_modules/katex" ]; then
    mkdir -p "$KATEX"
    npm install --prefix "$KATEX" --no-audit --no-fund --silent katex@0.16 >/dev/null 2>&1 \
      || echo "python/ci.sh: npm could not install KaTeX; its test will be skipped"
  fi
  [ -d "$KATEX/node_modules/katex" ] && export MATCALC_KATEX_DIR="$KATEX"
fi

# The package as a user installs it: built from source by pip (maturin, release).
"$PY" -m pip uninstall -y -q matcalc >/dev/null 2>&1 || true
started=$(date +%s)
if ! "$PY" -m pip install ./python >"$WORK/pip-install.log" 2>&1; then
  tail -n 60 "$WORK/pip-install.log"
  echo "python/ci.sh: pip install ./python failed (log: $WORK/pip-install.log)"
  exit 1
fi
echo "== pip install ./python: $(( $(date +%s) - started )) s"

# The command-line binary, for the test that compares its JSON with the package's:
# built here (quick when cargo has built it already), under target/<host>/release.
cargo build --release --quiet --bin matcalc
host=$(rustc -vV | sed -n 's/^host: //p')
export MATCALC_BIN="${CARGO_TARGET_DIR:-$ROOT/target}/$host/release/matcalc"

# From the repository root, so that python/matcalc (the sources, without the built
# extension) cannot shadow the installed package.
export PYTHONDONTWRITEBYTECODE=1
"$VENV/bin/pytest" -p no:cacheprovider -q python/tests "$@"
