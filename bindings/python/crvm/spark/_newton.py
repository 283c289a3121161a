"""Newton's method on a log-likelihood that is a sum over partitions.

The distributed fits start from crvm's own fit on a sample (close to the
optimum) and polish it on all the data: each iteration is one Spark job that
returns, summed over partitions, the log-likelihood, its gradient and its
Hessian (exact or by differences, see the callers). Newton converges
quadratically from such a start, so a handful of passes reach the optimum of
the full likelihood to rounding, and its Hessian at the optimum gives the
observed information (the covariance) without an extra pass.

Parameters are optimised on a transformed scale u (log for positive
parameters, identity for coefficients): θ = exp(u) or u.
"""

from __future__ import annotations

from typing import Callable, Tuple

import numpy as np

from ..errors import ConvergenceError

__all__ = ["newton_maximise"]


def newton_maximise(evaluate: Callable[[np.ndarray], Tuple[float, np.ndarray, np.ndarray]],
                    u0: np.ndarray, max_iterations: int = 50, tolerance: float = 1e-9):
    """Maximise f(u) given ``evaluate(u) -> (f, gradient, Hessian)`` in u.

    A step is the Newton step when the Hessian is negative definite, else a
    gradient step scaled by the Hessian's diagonal; it is halved until f does
    not decrease (at most 30 halvings). Converged when the largest step
    component is below ``tolerance`` (u is on a log scale: a relative change
    of the parameters) and the Newton decrement g' H^-1 g / 2 is below
    ``tolerance`` times (1 + |f|). Returns (u, f, gradient, Hessian, iterations).
    Raises ConvergenceError naming the iteration when it stalls."""
    u = np.array(u0, dtype=np.float64)
    f, g, h = evaluate(u)
    for it in range(1, max_iterations + 1):
        if not np.isfinite(f):
            raise ConvergenceError(f"distributed fit: log-likelihood is not finite at iteration {it}")
        try:
            chol = np.linalg.cholesky(-h)
            step = np.linalg.solve(chol.T, np.linalg.solve(chol, g))
        except np.linalg.LinAlgError:
            scale = np.maximum(np.abs(np.diag(h)), 1e-8 * (1.0 + abs(f)))
            step = g / scale
        decrement = float(g @ step) / 2.0
        if np.max(np.abs(step)) < tolerance and decrement <= tolerance * (1.0 + abs(f)):
            return u, f, g, h, it - 1
        for _ in range(31):
            trial = u + step
            ft, gt, ht = evaluate(trial)
            if np.isfinite(ft) and ft >= f - 1e-12 * (1.0 + abs(f)):
                break
            step = step / 2.0
        else:
            raise ConvergenceError(f"distributed fit: no ascent step at iteration {it} "
                                   f"(log-likelihood {f:.17g})")
        u, f, g, h = trial, ft, gt, ht
    raise ConvergenceError(f"distributed fit: not converged after {max_iterations} Newton "
                           f"iterations (gradient {np.max(np.abs(g)):.3g})")
