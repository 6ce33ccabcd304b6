"""Optuna's NSGAIISampler on ZDT1/ZDT2 for the mo-zdt suite (bench/suites/mo-zdt.mjs), with Debian's /usr/bin/python3.

One JSON request as argv[1]: {problem, dims, trials, seeds, populations, check}. Prints one JSON line:
{"check": [[f1, f2] for each point of check], "runs": {"<population>": [[[f1, f2] per trial] per seed]}}.
"""
import json
import sys
import warnings

warnings.filterwarnings("ignore")
import optuna  # noqa: E402

optuna.logging.set_verbosity(optuna.logging.WARNING)


def zdt(problem, x):
    g = 1 + 9 * sum(x[1:]) / (len(x) - 1)
    if problem == "zdt1":
        return [x[0], g * (1 - (x[0] / g) ** 0.5)]
    return [x[0], g * (1 - (x[0] / g) ** 2)]


def run(problem, dims, trials, seed, population):
    def objective(trial):
        return tuple(zdt(problem, [trial.suggest_float("x%02d" % i, 0.0, 1.0) for i in range(dims)]))

    sampler = optuna.samplers.NSGAIISampler(seed=seed, population_size=population)
    study = optuna.create_study(directions=["minimize", "minimize"], sampler=sampler)
    study.optimize(objective, n_trials=trials)
    return [t.values for t in study.trials if t.values is not None]


req = json.loads(sys.argv[1])
reply = {
    "check": [zdt(req["problem"], x) for x in req["check"]],
    "runs": {
        str(p): [run(req["problem"], req["dims"], req["trials"], seed, p) for seed in req["seeds"]] for p in req["populations"]
    },
}
print(json.dumps(reply))
