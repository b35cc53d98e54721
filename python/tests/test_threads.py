"""Thread safety: derivations from several Python threads at once agree with serial
ones; the GIL is released while Rust works."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import matcalc
from conftest import CASES, read_cases

CATALOG = read_cases("catalog.jsonl")


def _derive(case):
    return matcalc.derive(case["expr"], case["wrt"], let=case["decls"], check=True)


def _key(d: matcalc.Derivation):
    r = d.to_dict()
    return (r["text"], r["latex"], r["numpy"], r["kind"], tuple(r["shape"]), r["differential"], r["check"]["ok"])


def test_threads_agree_with_serial() -> None:
    serial = [_key(_derive(c)) for c in CATALOG]
    work = CATALOG * 3
    with ThreadPoolExecutor(max_workers=8) as pool:
        parallel = [_key(d) for d in pool.map(_derive, work)]
    assert parallel == serial * 3


def test_same_expression_from_many_threads() -> None:
    expr, wrt = "norm2(W2*sigmoid(W1*x) - y)^2", "W1"
    want = matcalc.derive(expr, wrt)
    barrier = threading.Barrier(6)
    got, errors = [], []

    def run() -> None:
        try:
            barrier.wait()
            for _ in range(5):
                got.append(matcalc.derive(expr, wrt))
        except Exception as e:  # pragma: no cover - reported below
            errors.append(e)

    threads = [threading.Thread(target=run) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(got) == 30 and all(d == want for d in got)


def test_errors_from_threads_are_each_their_own() -> None:
    def bad(i: int):
        try:
            matcalc.derive(f"A{i}*x", "x", let=f"A{i}: matrix(m,n); x: vector(m)")
        except matcalc.InputError as e:
            return e.message
        return None

    with ThreadPoolExecutor(max_workers=4) as pool:
        messages = list(pool.map(bad, range(20)))
    assert messages == [f"cannot multiply A{i} (m×n) by x (m×1)" for i in range(20)]


def test_the_gil_is_released_while_deriving() -> None:
    """While another thread is inside Rust, this thread keeps running Python."""
    inside = threading.Event()
    done = threading.Event()

    def work() -> None:
        inside.set()
        matcalc.batch(CASES / "catalog.jsonl", jobs=1)
        done.set()

    t = threading.Thread(target=work)
    t.start()
    inside.wait()
    ticks = 0
    started = time.perf_counter()
    while not done.is_set():
        ticks += 1
    elapsed = time.perf_counter() - started
    t.join()
    # A held GIL would leave this loop a handful of iterations (one per switch
    # interval at most); released, it spins freely for the whole batch.
    assert elapsed > 0.02 and ticks > 1000, (ticks, elapsed)


def _child(q) -> None:  # pragma: no cover - runs in the forked child
    q.put(matcalc.derive("tr(A*X*B)", "X").text)


def test_a_forked_child_derives_too() -> None:
    """The worker threads do not survive fork(); a child must not wait on the parent's."""
    import multiprocessing as mp

    if "fork" not in mp.get_all_start_methods():
        import pytest

        pytest.skip("no fork on this platform")
    assert matcalc.derive("tr(A*X*B)", "X").text == "B*A"  # the parent's pool exists
    ctx = mp.get_context("fork")
    q = ctx.Queue()
    p = ctx.Process(target=_child, args=(q,))
    p.start()
    p.join(timeout=60)
    alive = p.is_alive()
    if alive:
        p.kill()
    assert not alive, "the forked child hung"
    assert p.exitcode == 0 and q.get(timeout=5) == "B*A"
