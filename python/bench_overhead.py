"""Per-call overhead of the Python bindings: `matcalc.derive(...)` from Python against
the same `derive_request` timed in a loop inside Rust (no Python, no thread, no JSON).

    python python/bench_overhead.py [N]
"""

import json
import sys
import time

import matcalc
from matcalc import _matcalc

N = int(sys.argv[1]) if len(sys.argv) > 1 else 300
CASES = [("tr(A*X*B)", "", "X"), ("x'*A*x", "", "x"), ("norm2(W2*sigmoid(W1*x) - y)^2", "", "W1")]


def per_call(f, n):
    """Seconds per call over n calls, best of 5: (wall, CPU of the whole process, every
    thread counted, which other load on the machine does not inflate)."""
    walls, cpus = [], []
    for _ in range(5):
        t, c = time.perf_counter(), time.process_time()
        for _ in range(n):
            f()
        walls.append((time.perf_counter() - t) / n)
        cpus.append((time.process_time() - c) / n)
    return min(walls), min(cpus)


def rust_loop(expr, decls, wrt, n, with_json=False):
    """n calls of derive_request timed inside Rust, one worker thread: (wall, CPU) per
    call, best of 5; with_json adds what `derive` does in Rust besides (the JSON)."""
    walls, cpus = [], []
    for _ in range(5):
        c = time.process_time()
        r = json.loads(_matcalc._time_rust(expr, decls, [wrt], n, with_json))
        cpus.append((time.process_time() - c) / n)
        walls.append(r["seconds_per_call"])
    return min(walls), min(cpus)


matcalc.derive("x'*x", "x")  # load the rules once
wall, cpu = per_call(_matcalc._noop, N * 10)
print(f"empty call (GIL release, worker thread, JSON): wall {wall * 1e6:.0f} µs, CPU {cpu * 1e6:.0f} µs")
for expr, decls, wrt in CASES:
    # the fastest single call of each (least disturbed by other load on the machine)
    rmin = min(json.loads(_matcalc._time_rust(expr, decls, [wrt], 1))["seconds_per_call"] for _ in range(N))
    pmin = float("inf")
    for _ in range(N):
        t = time.perf_counter()
        matcalc.derive(expr, wrt, let=decls)
        pmin = min(pmin, time.perf_counter() - t)
    rw, rc = rust_loop(expr, decls, wrt, N)
    jw, jc = rust_loop(expr, decls, wrt, N, with_json=True)
    pw, pc = per_call(lambda: matcalc.derive(expr, wrt, let=decls), N)
    print(
        f"{expr} by {wrt}:\n"
        f"  Rust derive_request        wall {rw * 1e6:6.0f} µs  CPU {rc * 1e6:6.0f} µs\n"
        f"  + the bindings' JSON       wall {jw * 1e6:6.0f} µs  CPU {jc * 1e6:6.0f} µs\n"
        f"  matcalc.derive from Python wall {pw * 1e6:6.0f} µs  CPU {pc * 1e6:6.0f} µs\n"
        f"  overhead                   wall {(pw - rw) * 1e6:+6.0f} µs  CPU {(pc - rc) * 1e6:+6.0f} µs\n"
        f"  fastest single call: Rust {rmin * 1e6:.0f} µs, Python {pmin * 1e6:.0f} µs, "
        f"overhead {(pmin - rmin) * 1e6:+.0f} µs"
    )
