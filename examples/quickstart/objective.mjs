#!/usr/bin/env node
// A stand-in for a training run: a smooth function of four hyperparameters with a known optimum,
// value 0 at lr=0.01, dropout=0.2, layers=3, activation=relu. swarmtune passes the params as env vars and
// reads the last JSON line of stdout.
const p = (name) => process.env[`SWARMTUNE_PARAM_${name.toUpperCase()}`];

const lr = Number(p('lr'));
const dropout = Number(p('dropout'));
const layers = Number(p('layers'));
const activation = p('activation');

const activationPenalty = { relu: 0, tanh: 0.3, sigmoid: 0.8 }[activation];
if ([lr, dropout, layers].some(Number.isNaN) || activationPenalty === undefined) {
  console.error(`bad params: ${JSON.stringify({ lr, dropout, layers, activation })}`);
  process.exit(1);
}

const value =
  (Math.log10(lr) + 2) ** 2 + 4 * (dropout - 0.2) ** 2 + 0.1 * (layers - 3) ** 2 + activationPenalty;

console.log(`epoch 1 loss=${(value + 1).toFixed(4)}`);
console.log(JSON.stringify({ value, metrics: { loss: value } }));
