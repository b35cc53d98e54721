#!/usr/bin/env python3
"""Writes the fuzz seed corpora (fuzz/seeds/<target>/) from the project's own data:
tests/cases/*.jsonl (expressions, declarations, variables, expected derivatives),
tests/fail/cases.jsonl (bad inputs), rules/*.rules and tests/fixtures/*/*.rules, and
the inputs named in issue 9. Parts of one input are separated by a NUL byte, as
fuzz/src/lib.rs reads them. Run from anywhere: python3 fuzz/make_seeds.py"""

import glob, hashlib, json, os, re, shutil

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SEEDS = os.path.join(ROOT, "fuzz", "seeds")

def cases():
    for path in sorted(glob.glob(os.path.join(ROOT, "tests", "cases", "*.jsonl"))):
        for line in open(path, encoding="utf-8"):
            if line.strip():
                yield json.loads(line)

def fails():
    for line in open(os.path.join(ROOT, "tests", "fail", "cases.jsonl"), encoding="utf-8"):
        if line.strip():
            yield json.loads(line)

# The inputs of issue 9 (expression, declarations, variable).
ISSUE9 = [
    ("vec(A)+A", "", "A"), ("kron(x,y)+x", "", "x"), ("A*vec(A)", "", "A"),
    ("kron(x,I)+I", "", "x"), ("kron(x', I(n)) + I(n)", "", "x"), ("kron(x', I) + I", "", "x"),
    ("e*a", "", "e"), ("x .* tr(A)", "", "x"), ("m*tr(A)", "", "m"),
    ("I(n)", "", ""), ("I(t)", "", ""), ("I(n*p)", "", ""), ("kron(I(n), A)", "", "A"),
    ("x - -0", "", "x"), ("A", "", "A"), ("x + I", "I: scalar", "x"), ("K*x", "K: scalar", "x"),
    ("y", "y: vector(m*n)", "y"), ("tr(A*X*B)", "", "X"), ("0*x", "", "x"),
]

def write(target, items):
    d = os.path.join(SEEDS, target)
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    seen = set()
    for parts in items:
        data = "\0".join(parts).encode("utf-8") if isinstance(parts, tuple) else parts.encode("utf-8")
        h = hashlib.sha1(data).hexdigest()
        if h in seen:
            continue
        seen.add(h)
        open(os.path.join(d, h), "wb").write(data)
    return len(seen)

def main():
    cs = list(cases())
    fs = list(fails())
    pp, de, dv, eq = [], [], [], []
    for c in cs:
        e, d, w = c["expr"], c.get("decls", ""), c.get("wrt", "")
        pp += [(e, d), (e,)]
        de += [(d,), (d, e)]
        dv += [(e, d, w)]
        if c.get("order") == 2:
            dv.append((e, d, w, "2"))
        if "symmetric" in d:
            dv += [(e, d, w, "e"), (e, d, w, "n"), (e, d, w, "s")]
        eq += [(e, e, d)]
        for k in ("expected_text", "expected_entries_text"):
            if c.get(k):
                pp.append((c[k], d))
                eq.append((c[k], c[k], d))
        if c.get("expected_text") and c.get("expected_entries_text"):
            eq.append((c["expected_text"], c["expected_entries_text"], d))
    for f in fs:
        pp.append((f["expr"], f.get("decls", "")))
        de.append((f.get("decls", ""), f["expr"]))
    # a few with every option: steps, denominator layout, second order
    for c in cs[:40]:
        dv += [(c["expr"], c.get("decls", ""), c.get("wrt", ""), "s"),
               (c["expr"], c.get("decls", ""), c.get("wrt", ""), "d"),
               (c["expr"], c.get("decls", ""), c.get("wrt", ""), "2s")]
    # structured cases of tests/common/random_expr.rs, if written by
    # MATCALC_FUZZ_SEEDS=fuzz/generated cargo test --release --test robustness generated
    gen = os.path.join(ROOT, "fuzz", "generated")
    for t, acc in (("parse_print", pp), ("derive", dv), ("equiv", eq)):
        for path in sorted(glob.glob(os.path.join(gen, t, "*")))[:1000]:
            acc.append(open(path, encoding="utf-8").read())
    for e, d, w in ISSUE9:
        pp += [(e, d), (e,)]
        de.append((d, e))
        dv.append((e, d, w))
        eq.append((e, e, d))
    rules = []
    for path in sorted(glob.glob(os.path.join(ROOT, "rules", "*.rules")) +
                       glob.glob(os.path.join(ROOT, "tests", "fixtures", "*", "*.rules"))):
        text = open(path, encoding="utf-8").read()
        rules.append(text)
        # each blank-line-separated block alone, with its file's family line
        fam = re.search(r"^\(family[^\n]*\)", text, re.M)
        for block in re.split(r"\n\s*\n", text):
            if block.strip():
                rules.append(((fam.group(0) + "\n") if fam else "") + block + "\n")
    rules += ["\x0b", "\u00a0", "(" * 300 + ")" * 300, "(rule r (T ?a) => ?a :when"]
    n = {t: write(t, items) for t, items in
         [("parse_print", pp), ("decls", de), ("derive", dv), ("equiv", eq), ("rules", rules)]}
    print(" ".join(f"{t}: {k}" for t, k in n.items()))

main()
