// Test functions with known optima (minimisation). The Python side (optuna/functions.py) implements the same
// formulas; `selfcheck` in the quality suite compares both on random points before any run.
const d5 = (low, high) => Array.from({ length: 5 }, (_, i) => ({ name: `x${i}`, type: 'float', low, high }));

export const FUNCTIONS = {
  branin: {
    dims: [
      { name: 'x0', type: 'float', low: -5, high: 10 },
      { name: 'x1', type: 'float', low: 0, high: 15 },
    ],
    optimum: 0.397887357729738,
    f: ({ x0, x1 }) => {
      const b = 5.1 / (4 * Math.PI ** 2);
      const c = 5 / Math.PI;
      const t = 1 / (8 * Math.PI);
      return (x1 - b * x0 ** 2 + c * x0 - 6) ** 2 + 10 * (1 - t) * Math.cos(x0) + 10;
    },
  },
  hartmann6: {
    dims: Array.from({ length: 6 }, (_, i) => ({ name: `x${i}`, type: 'float', low: 0, high: 1 })),
    optimum: -3.32236801141551,
    f: (p) => {
      const x = [p.x0, p.x1, p.x2, p.x3, p.x4, p.x5];
      const alpha = [1.0, 1.2, 3.0, 3.2];
      const A = [
        [10, 3, 17, 3.5, 1.7, 8],
        [0.05, 10, 17, 0.1, 8, 14],
        [3, 3.5, 1.7, 10, 17, 8],
        [17, 8, 0.05, 10, 0.1, 14],
      ];
      const P = [
        [1312, 1696, 5569, 124, 8283, 5886],
        [2329, 4135, 8307, 3736, 1004, 9991],
        [2348, 1451, 3522, 2883, 3047, 6650],
        [4047, 8828, 8732, 5743, 1091, 381],
      ];
      let sum = 0;
      for (let i = 0; i < 4; i++) {
        let inner = 0;
        for (let j = 0; j < 6; j++) inner += A[i][j] * (x[j] - P[i][j] * 1e-4) ** 2;
        sum += alpha[i] * Math.exp(-inner);
      }
      return -sum;
    },
  },
  rosenbrock5: {
    dims: d5(-5, 10),
    optimum: 0,
    f: (p) => {
      const x = vec(p, 5);
      let s = 0;
      for (let i = 0; i < 4; i++) s += 100 * (x[i + 1] - x[i] ** 2) ** 2 + (1 - x[i]) ** 2;
      return s;
    },
  },
  ackley5: {
    dims: d5(-32.768, 32.768),
    optimum: 0,
    f: (p) => {
      const x = vec(p, 5);
      const sq = x.reduce((a, v) => a + v * v, 0) / 5;
      const cs = x.reduce((a, v) => a + Math.cos(2 * Math.PI * v), 0) / 5;
      return -20 * Math.exp(-0.2 * Math.sqrt(sq)) - Math.exp(cs) + 20 + Math.E;
    },
  },
  rastrigin5: {
    dims: d5(-5.12, 5.12),
    optimum: 0,
    f: (p) => vec(p, 5).reduce((a, v) => a + v * v - 10 * Math.cos(2 * Math.PI * v), 50),
  },
  levy5: {
    dims: d5(-10, 10),
    optimum: 0,
    f: (p) => {
      const w = vec(p, 5).map((v) => 1 + (v - 1) / 4);
      let s = Math.sin(Math.PI * w[0]) ** 2;
      for (let i = 0; i < 4; i++) s += (w[i] - 1) ** 2 * (1 + 10 * Math.sin(Math.PI * w[i] + 1) ** 2);
      return s + (w[4] - 1) ** 2 * (1 + Math.sin(2 * Math.PI * w[4]) ** 2);
    },
  },
  styblinski5: {
    dims: d5(-5, 5),
    optimum: -39.16616570377142 * 5,
    f: (p) => vec(p, 5).reduce((a, v) => a + 0.5 * (v ** 4 - 16 * v * v + 5 * v), 0),
  },
  mixed: {
    dims: [
      { name: 'x0', type: 'float', low: -5, high: 5 },
      { name: 'x1', type: 'float', low: -5, high: 5 },
      { name: 'n', type: 'int', low: 0, high: 10 },
      { name: 'c', type: 'cat', choices: ['a', 'b', 'c', 'd'] },
    ],
    optimum: 0,
    f: ({ x0, x1, n, c }) => (x0 - 1.5) ** 2 + 2 * (x1 + 0.5) ** 2 + 0.1 * (n - 7) ** 2 + { a: 1, b: 0, c: 0.5, d: 2 }[c],
  },
};

function vec(p, d) {
  return Array.from({ length: d }, (_, i) => p[`x${i}`]);
}

/** The NNI-format search space swarmtune takes for these dims (randint's upper bound is exclusive). */
export function nniSpace(dims) {
  const space = {};
  for (const d of dims) {
    if (d.type === 'float') space[d.name] = { _type: 'uniform', _value: [d.low, d.high] };
    else if (d.type === 'int') space[d.name] = { _type: 'randint', _value: [d.low, d.high + 1] };
    else space[d.name] = { _type: 'choice', _value: d.choices };
  }
  return space;
}

export function randomPoint(dims, rand) {
  const p = {};
  for (const d of dims) {
    if (d.type === 'float') p[d.name] = d.low + rand() * (d.high - d.low);
    else if (d.type === 'int') p[d.name] = d.low + Math.floor(rand() * (d.high - d.low + 1));
    else p[d.name] = d.choices[Math.floor(rand() * d.choices.length)];
  }
  return p;
}
