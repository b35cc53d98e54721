"""The Rust half of matcalc (PyO3). Every function returns one JSON text: the
library's report on success, ``{"error": {...}}`` on failure. Use the ``matcalc``
package, which decodes it; this module is private."""

from typing import List, Optional

__version__: str

def derive(
    expr: str,
    decls: str,
    wrt: List[str],
    order: int = 1,
    layout: str = "numerator",
    symmetric: str = "sym",
    check: bool = False,
    steps: bool = False,
    time_limit: Optional[float] = None,
    without: List[str] = ...,
) -> str: ...
def show(expr: str, decls: str) -> str: ...
def equiv(
    left: str,
    right: str,
    decls: str,
    time_limit: Optional[float] = None,
    without: List[str] = ...,
) -> str: ...
def batch(
    text: str,
    jobs: Optional[int] = None,
    layout: str = "numerator",
    symmetric: str = "sym",
    time_limit: Optional[float] = None,
) -> str: ...
def rules_listing(audit: bool = False, jobs: Optional[int] = None) -> str: ...
def _panic_for_test() -> str: ...
def _noop() -> str: ...
def _time_rust(expr: str, decls: str, wrt: List[str], n: int = 100, with_json: bool = False) -> str: ...
