"""The same test functions as bench/lib/functions.mjs (minimisation), for the Optuna side."""
import math

_A = [
    [10, 3, 17, 3.5, 1.7, 8],
    [0.05, 10, 17, 0.1, 8, 14],
    [3, 3.5, 1.7, 10, 17, 8],
    [17, 8, 0.05, 10, 0.1, 14],
]
_P = [
    [1312, 1696, 5569, 124, 8283, 5886],
    [2329, 4135, 8307, 3736, 1004, 9991],
    [2348, 1451, 3522, 2883, 3047, 6650],
    [4047, 8828, 8732, 5743, 1091, 381],
]
_ALPHA = [1.0, 1.2, 3.0, 3.2]


def _vec(p, d):
    return [p["x%d" % i] for i in range(d)]


def branin(p):
    x0, x1 = p["x0"], p["x1"]
    b = 5.1 / (4 * math.pi ** 2)
    c = 5 / math.pi
    t = 1 / (8 * math.pi)
    return (x1 - b * x0 ** 2 + c * x0 - 6) ** 2 + 10 * (1 - t) * math.cos(x0) + 10


def hartmann6(p):
    x = _vec(p, 6)
    total = 0.0
    for i in range(4):
        inner = sum(_A[i][j] * (x[j] - _P[i][j] * 1e-4) ** 2 for j in range(6))
        total += _ALPHA[i] * math.exp(-inner)
    return -total


def rosenbrock5(p):
    x = _vec(p, 5)
    return sum(100 * (x[i + 1] - x[i] ** 2) ** 2 + (1 - x[i]) ** 2 for i in range(4))


def ackley5(p):
    x = _vec(p, 5)
    sq = sum(v * v for v in x) / 5
    cs = sum(math.cos(2 * math.pi * v) for v in x) / 5
    return -20 * math.exp(-0.2 * math.sqrt(sq)) - math.exp(cs) + 20 + math.e


def rastrigin5(p):
    return 50 + sum(v * v - 10 * math.cos(2 * math.pi * v) for v in _vec(p, 5))


def levy5(p):
    w = [1 + (v - 1) / 4 for v in _vec(p, 5)]
    s = math.sin(math.pi * w[0]) ** 2
    for i in range(4):
        s += (w[i] - 1) ** 2 * (1 + 10 * math.sin(math.pi * w[i] + 1) ** 2)
    return s + (w[4] - 1) ** 2 * (1 + math.sin(2 * math.pi * w[4]) ** 2)


def styblinski5(p):
    return sum(0.5 * (v ** 4 - 16 * v * v + 5 * v) for v in _vec(p, 5))


def mixed(p):
    return (p["x0"] - 1.5) ** 2 + 2 * (p["x1"] + 0.5) ** 2 + 0.1 * (p["n"] - 7) ** 2 + {"a": 1, "b": 0, "c": 0.5, "d": 2}[p["c"]]


FUNCTIONS = {
    "branin": branin,
    "hartmann6": hartmann6,
    "rosenbrock5": rosenbrock5,
    "ackley5": ackley5,
    "rastrigin5": rastrigin5,
    "levy5": levy5,
    "styblinski5": styblinski5,
    "mixed": mixed,
}
