"""The independent solver that tests/test_explain.py checks the smallest flip against, in
a module of its own (NumPy and SciPy only) so that worker processes can run it."""

import numpy as np
from scipy.optimize import minimize
from threadpoolctl import threadpool_limits


def smallest_change(x: np.ndarray, A: np.ndarray, c: np.ndarray) -> tuple[bool, np.ndarray]:
    """``min ||z - x||^2 s.t. A z >= c, 0 <= z <= 1`` on the primal, by SLSQP; returns
    whether it succeeded, and ``z``.

    With one BLAS thread: the answer is the same, and beside other work on 2 cores two
    threads spinning against each other took 1.7x as long.
    """
    with threadpool_limits(limits=1, user_api="blas"):
        result = minimize(lambda z: (0.5 * np.sum((z - x) ** 2), z - x), x, jac=True,
                          method="SLSQP", bounds=[(0, 1)] * len(x),
                          constraints=[{"type": "ineq", "fun": lambda z: A @ z - c,
                                        "jac": lambda z: A}],
                          options={"maxiter": 500, "ftol": 1e-12})
    return bool(result.success), result.x
