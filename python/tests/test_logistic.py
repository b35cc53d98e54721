"""The done-when case: a logistic-regression gradient from `derive(...).function()`
drives gradient descent on random data and lowers the loss."""

from __future__ import annotations

import numpy as np

import matcalc

LOSS = "sum(log(1 + exp(X*w))) - y'*X*w"
DECLS = "X: matrix(m,n); w: vector(n); y: vector(m)"


def loss(X: np.ndarray, w: np.ndarray, y: np.ndarray) -> float:
    z = X @ w
    return float(np.sum(np.logaddexp(0.0, z)) - y @ z)


def test_gradient_descent_lowers_the_logistic_loss() -> None:
    rng = np.random.default_rng(7)
    m, n = 200, 3
    X = rng.normal(size=(m, n))
    w_true = np.array([1.5, -2.0, 0.5])
    y = (rng.uniform(size=m) < 1 / (1 + np.exp(-X @ w_true))).astype(float)

    d = matcalc.derive(LOSS, "w", let=DECLS, layout="denominator", check=True)
    assert d.check["ok"]
    assert d.shape == ("n", "1")
    grad = d.function(squeeze=True)

    # the textbook gradient X'(sigmoid(Xw) - y), 1-D in, 1-D out
    w = np.zeros(n)
    assert np.allclose(grad(X=X, w=w, y=y), X.T @ (1 / (1 + np.exp(-X @ w)) - y))

    losses = [loss(X, w, y)]
    for _ in range(25):
        w = w - 0.5 / m * grad(X=X, w=w, y=y)
        losses.append(loss(X, w, y))
    assert all(b < a for a, b in zip(losses, losses[1:])), losses
    assert losses[-1] < 0.75 * losses[0]
    # and it heads for the weights that made the data
    assert np.dot(w, w_true) > 0


def test_the_logistic_hessian_is_the_textbook_one() -> None:
    rng = np.random.default_rng(3)
    X, w, y = rng.normal(size=(20, 3)), rng.normal(size=3), rng.uniform(size=20)
    H = matcalc.derive(LOSS, "w", let=DECLS, order=2).function()(X=X, w=w, y=y)
    p = 1 / (1 + np.exp(-X @ w))
    assert np.allclose(H, X.T @ np.diag(p * (1 - p)) @ X)
