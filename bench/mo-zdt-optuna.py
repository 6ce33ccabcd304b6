"""Optuna's NSGAIISampler on ZDT1/ZDT2 for bench/mo-zdt.mjs: prints the final objective values as one JSON line."""
import json
import sys

import optuna

problem, trials, dims, seed = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])


def objective(trial):
    x = [trial.suggest_float(f"x{i:02d}", 0.0, 1.0) for i in range(dims)]
    g = 1 + 9 * sum(x[1:]) / (dims - 1)
    f2 = g * (1 - (x[0] / g) ** 0.5) if problem == "zdt1" else g * (1 - (x[0] / g) ** 2)
    return x[0], f2


optuna.logging.set_verbosity(optuna.logging.WARNING)
study = optuna.create_study(directions=["minimize", "minimize"], sampler=optuna.samplers.NSGAIISampler(seed=seed))
study.optimize(objective, n_trials=trials)
print(json.dumps([t.values for t in study.trials if t.values is not None]))
