"""matcalc from Python: a derivative as text, LaTeX and a NumPy function, a proof, and
a gradient that trains a logistic regression.

    pip install ./python        # from the repository root; needs Rust (rustup)
    python examples/python_demo.py
"""

import numpy as np

import matcalc

# 1. A derivative, three ways (numerator layout: a 1×n row for a scalar by a vector).
d = matcalc.derive("x'*A*x", "x")
print("d/dx x'*A*x =", d.text, f"  [{d.kind}, {d.shape[0]}×{d.shape[1]}]")
print("  LaTeX:", d.latex)
print("  NumPy:", d.numpy)

# 2. Declarations change the answer; --check compares with finite differences.
s = matcalc.derive("x'*A*x", "x", let="A: symmetric(n)", check=True)
print("with A symmetric:", s.text, "| check:", s.check)

# 3. The derivation step by step, each step naming its rule.
for step in matcalc.derive("tr(A*X*B)", "X", steps=True).steps:
    print(f"  {step['expr']:<16} {step['justification']}")

# 4. Several variables at once: a list, one per variable.
for g in matcalc.derive("norm2(W2*sigmoid(W1*x) - y)^2", "W1,W2"):
    print(f"d/d{g.wrt[0]} =", g.text)

# 5. Equality, with a proof or a counterexample.
print(matcalc.equiv("x'*(A + A')", "x'*A + (A*x)'"))
print(matcalc.equiv("B*A", "A*B", let="A: matrix(n,n); B: matrix(n,n)"))

# 6. Bad input is an exception with a caret under the problem.
try:
    matcalc.derive("A*x", "x", let="A: matrix(m,n); x: vector(m)")
except matcalc.InputError as e:
    print(e)

# 7. A gradient as a NumPy function drives gradient descent (logistic regression).
loss_expr = "sum(log(1 + exp(X*w))) - y'*X*w"
decls = "X: matrix(m,n); w: vector(n); y: vector(m)"
gradient = matcalc.derive(loss_expr, "w", let=decls, layout="denominator")
print("gradient of the logistic loss:", gradient.text)
grad = gradient.function(squeeze=True)

rng = np.random.default_rng(0)
X = rng.normal(size=(200, 3))
y = (rng.uniform(size=200) < 1 / (1 + np.exp(-X @ np.array([1.5, -2.0, 0.5])))).astype(float)
w = np.zeros(3)


def loss(w):
    z = X @ w
    return float(np.sum(np.logaddexp(0.0, z)) - y @ z)


print(f"loss {loss(w):.2f}", end="")
for _ in range(20):
    w -= 0.5 / len(y) * grad(X=X, w=w, y=y)  # 1-D arrays in, a 1-D gradient out
print(f" -> {loss(w):.2f} after 20 steps; w = {np.round(w, 2)}")
