"""The Optuna side of swarmtune's bench (run by bench/lib/optuna.mjs with Debian's /usr/bin/python3).

Commands read one JSON request (stdin, or argv[2] for long-running workers) and print one JSON reply line.
"""
import json
import math
import os
import random
import subprocess
import sys
import time
import warnings

warnings.filterwarnings("ignore")
import optuna  # noqa: E402
from optuna.distributions import CategoricalDistribution, FloatDistribution, IntDistribution  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from functions import FUNCTIONS  # noqa: E402

optuna.logging.set_verbosity(optuna.logging.WARNING)


def distributions(dims):
    out = {}
    for d in dims:
        if d["type"] == "float":
            out[d["name"]] = FloatDistribution(d["low"], d["high"])
        elif d["type"] == "int":
            out[d["name"]] = IntDistribution(d["low"], d["high"])
        else:
            out[d["name"]] = CategoricalDistribution(d["choices"])
    return out


def sampler_of(config, seed=None):
    if config.get("sampler") == "random":
        return optuna.samplers.RandomSampler(seed=seed)
    return optuna.samplers.TPESampler(
        seed=seed,
        multivariate=bool(config.get("multivariate", False)),
        constant_liar=bool(config.get("constantLiar", False)),
        warn_independent_sampling=False,
    )


def storage_of(spec, study_name=None):
    """memory | journal-redis:<redis url> | sqlite:<path>

    JournalRedisStorage keeps one log per key prefix, shared by every study under it, and each process replays the
    whole log; a prefix per study keeps one bench run's log from slowing down the next run's workers."""
    if spec is None or spec == "memory":
        return None
    if spec.startswith("journal-redis:"):
        return optuna.storages.JournalStorage(
            optuna.storages.JournalRedisStorage(spec[len("journal-redis:"):], prefix=study_name or "")
        )
    if spec.startswith("sqlite:"):
        return optuna.storages.RDBStorage(
            "sqlite:///" + spec[len("sqlite:"):], engine_kwargs={"connect_args": {"timeout": 120}}
        )
    raise ValueError("unknown storage " + spec)


def reply(obj):
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


def cmd_selfcheck(req):
    return {"values": [FUNCTIONS[p["fn"]](p["params"]) for p in req["points"]]}


def cmd_quality(req):
    fn = FUNCTIONS[req["function"]]
    dists = distributions(req["dims"])
    in_flight = int(req.get("inFlight", 1))
    runs = []
    t0 = time.perf_counter()
    for seed in req["seeds"]:
        study = optuna.create_study(direction="minimize", sampler=sampler_of(req["config"], seed))
        values = []
        pending = []
        asked = 0
        while asked < req["trials"] or pending:
            while asked < req["trials"] and len(pending) < in_flight:
                pending.append(study.ask(fixed_distributions=dists))
                asked += 1
            trial = pending.pop(0)
            value = fn(trial.params)
            study.tell(trial, value)
            values.append(value)
        runs.append({"seed": seed, "values": values})
    return {"runs": runs, "seconds": time.perf_counter() - t0}


def random_params(dims, rng):
    p = {}
    for d in dims:
        if d["type"] == "float":
            p[d["name"]] = rng.uniform(d["low"], d["high"])
        elif d["type"] == "int":
            p[d["name"]] = rng.randint(d["low"], d["high"])
        else:
            p[d["name"]] = rng.choice(d["choices"])
    return p


def cmd_overhead(req):
    """Median ms per ask with n finished (random) trials in the study; asks are told at once (a cheap sum)."""
    dims = req["dims"]
    dists = distributions(dims)
    rng = random.Random(int(req.get("seed", 0)))
    storage = storage_of(req.get("storage"), req.get("studyName"))
    study = optuna.create_study(
        study_name=req.get("studyName"), storage=storage, direction="minimize", sampler=sampler_of(req["config"], 1)
    )
    have = 0
    results = []
    for n in req["ns"]:
        t_fill = time.perf_counter()
        batch = []
        while have < n:
            params = random_params(dims, rng)
            batch.append(optuna.trial.create_trial(params=params, distributions=dists, value=rng.random()))
            have += 1
        study.add_trials(batch)
        fill_s = time.perf_counter() - t_fill
        ask_ms = []
        tell_ms = []
        for i in range(int(req["asks"]) + int(req.get("warmup", 0))):
            t0 = time.perf_counter()
            trial = study.ask(fixed_distributions=dists)
            t1 = time.perf_counter()
            study.tell(trial, rng.random())
            t2 = time.perf_counter()
            if i >= int(req.get("warmup", 0)):
                ask_ms.append((t1 - t0) * 1000)
                tell_ms.append((t2 - t1) * 1000)
            have += 1
        results.append({"n": n, "askMs": ask_ms, "tellMs": tell_ms, "fillSeconds": fill_s})
    return {"results": results}


def cmd_create(req):
    optuna.create_study(study_name=req["studyName"], storage=storage_of(req["storage"], req["studyName"]), direction="minimize", load_if_exists=True)
    return {"ok": True}


def suggest(trial, d):
    if d["type"] == "float":
        return trial.suggest_float(d["name"], d["low"], d["high"])
    if d["type"] == "int":
        return trial.suggest_int(d["name"], d["low"], d["high"])
    return trial.suggest_categorical(d["name"], d["choices"])


def run_shell(template, params):
    """The duplicates suite's objective: the same shell command swarmtune's workers run, {{name}} filled in."""
    command = template
    for name, value in params.items():
        command = command.replace("{{%s}}" % name, str(value))
    out = subprocess.run(["/bin/sh", "-c", command], capture_output=True, text=True, check=True).stdout
    return float(json.loads(out.strip().splitlines()[-1])["value"])


def cmd_worker(req):
    """A worker process: optimizes until killed (cluster) or until maxTrials trials exist (duplicates)."""
    dims = req["dims"]
    sleep_s = float(req.get("sleepMs", 0)) / 1000
    storage = storage_of(req["storage"], req["studyName"])
    study = optuna.load_study(study_name=req["studyName"], storage=storage, sampler=sampler_of(req["config"], req.get("seed")))
    announced = [False]

    def objective(trial):
        params = {d["name"]: suggest(trial, d) for d in dims}
        if req.get("shell"):
            return run_shell(req["shell"], params)
        if sleep_s:
            time.sleep(sleep_s)
        return float(sum(v for v in params.values() if not isinstance(v, str)))

    def on_done(study_, trial_):
        if not announced[0]:
            announced[0] = True
            reply({"ready": True})

    callbacks = [on_done]
    if req.get("maxTrials"):
        callbacks.append(optuna.study.MaxTrialsCallback(int(req["maxTrials"]), states=None))
        study.optimize(objective, callbacks=callbacks)
    else:
        while True:
            study.optimize(objective, n_trials=1000, callbacks=callbacks)
    return {"done": True}


def cmd_trials(req):
    study = optuna.load_study(study_name=req["studyName"], storage=storage_of(req["storage"], req["studyName"]))
    out = []
    for t in study.get_trials(deepcopy=False):
        out.append({
            "state": t.state.name,
            "params": t.params,
            "completeAt": t.datetime_complete.timestamp() * 1000 if t.datetime_complete else None,
        })
    return {"trials": out}


COMMANDS = {
    "selfcheck": cmd_selfcheck,
    "quality": cmd_quality,
    "overhead": cmd_overhead,
    "create": cmd_create,
    "worker": cmd_worker,
    "trials": cmd_trials,
}

if __name__ == "__main__":
    command = sys.argv[1]
    request = json.loads(sys.argv[2]) if len(sys.argv) > 2 else json.load(sys.stdin)
    reply(COMMANDS[command](request))
