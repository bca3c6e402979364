"""Reference side of bench/side-by-side.ts: a long-lived process that answers one JSON command per stdin
line with one JSON line on stdout, so the iot-ids side and this one can take turns (A B A B ...) on the
same data without reloading it. Not part of iot-ids (which needs no Python); a yardstick only.

Start with the thread count fixed before torch and numpy load their thread pools:
    OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 /usr/bin/python3 bench/reference/serve.py --threads 1

Commands ({"task": ...}; "key" names the model or data kept between commands):
    info                                  versions and the BLAS/OpenMP libraries loaded (threadpoolctl)
    train  {key, epochs, model spec, data} `epochs` training epochs of the keyed model (built on first use)
    score  {key, engine: torch|numpy, hiddenUnits, classes, batchSize, data}
    forest {seed, trees, jobs, train, test}
    load   {path}                         pandas.read_csv of a gzip CSV
    child  {argv, cwd?}                   runs a command to its end (a whole pipeline run, either side's):
                                          wall seconds and the child's own CPU seconds (os.wait4's rusage),
                                          with the last line of its output
Every answer carries wall and CPU seconds (time.process_time: all threads of this process) of the work.
"""
import argparse
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

parser = argparse.ArgumentParser()
parser.add_argument("--threads", type=int, default=1)
threads = parser.parse_args().threads

import numpy as np  # noqa: E402
import torch  # noqa: E402

torch.set_num_threads(threads)

import networks  # noqa: E402
import tasks  # noqa: E402

arrays, trainers, scorers = {}, {}, {}


def matrix(data):
    """x (float32, rows x cols) and y (int32 or None) written by the iot-ids side, read once."""
    key = data["x"]
    if key not in arrays:
        x = np.fromfile(data["x"], dtype="<f4").reshape(data["rows"], data["cols"])
        y = np.fromfile(data["y"], dtype="<i4") if data.get("y") else None
        arrays[key] = (x, y)
    return arrays[key]


def timed(work):
    wall, cpu = time.perf_counter(), time.process_time()
    result = work()
    return result, time.perf_counter() - wall, time.process_time() - cpu


def info(_):
    out = {"python": sys.version.split()[0], "torch": torch.__version__, "numpy": np.__version__,
           "torchThreads": torch.get_num_threads(),
           "torchCapability": [l.split(":")[1].strip() for l in torch.__config__.show().splitlines()
                               if "CPU capability" in l][:1],
           "env": {k: os.environ.get(k) for k in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS",
                                                   "OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")}}
    try:
        import sklearn
        out["sklearn"] = sklearn.__version__
    except ImportError:
        pass
    try:
        import pandas
        out["pandas"] = pandas.__version__
    except ImportError:
        out["pandas"] = None
    try:
        from threadpoolctl import threadpool_info
        out["threadpools"] = [{k: p.get(k) for k in ("internal_api", "architecture", "num_threads", "version")}
                              for p in threadpool_info()]
    except ImportError:
        pass
    return out


def train(cmd):
    key = cmd["key"]
    if key not in trainers:
        x, y = matrix(cmd["data"])
        trainers[key] = networks.Trainer(cmd, x, y)
    trainer = trainers[key]
    loss, wall, cpu = timed(lambda: [trainer.epoch() for _ in range(cmd.get("epochs", 1))][-1])
    return {"wall": wall, "cpu": cpu, "loss": loss}


def score(cmd):
    x, _ = matrix(cmd["data"])
    key = cmd["key"]
    if key not in scorers:
        build = tasks.torch_scorer if cmd["engine"] == "torch" else tasks.numpy_scorer
        scorers[key] = build(cmd, x.shape[1])
    proba, wall, cpu = timed(lambda: scorers[key](x, cmd["batchSize"]))
    return {"wall": wall, "cpu": cpu, "rows": int(proba.shape[0])}


def forest(cmd):
    model, xtr, ytr, xte, yte = tasks.forest(cmd, matrix(cmd["train"]), matrix(cmd["test"]))
    _, fit_wall, fit_cpu = timed(lambda: model.fit(xtr, ytr))
    predicted, wall, cpu = timed(lambda: model.predict(xte))
    return {"fit": {"wall": fit_wall, "cpu": fit_cpu}, "predict": {"wall": wall, "cpu": cpu},
            "accuracy": float((predicted == yte).mean())}


def load(cmd):
    rows, wall, cpu = timed(lambda: tasks.read_csv(cmd["path"]))
    return {"wall": wall, "cpu": cpu, "rows": rows}


def child(cmd):
    import subprocess

    wall = time.perf_counter()
    process = subprocess.Popen(cmd["argv"], cwd=cmd.get("cwd"), stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    output = process.stdout.read()
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - wall
    lines = output.decode(errors="replace").strip().splitlines()
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError(f"{cmd['argv'][:3]} exited with {status}: {' | '.join(lines[-5:])}")
    answer = {"wall": wall, "cpu": usage.ru_utime + usage.ru_stime, "last": lines[-1] if lines else ""}
    try:  # a last line that is a JSON object with a numeric accuracy reports it
        accuracy = json.loads(answer["last"]).get("accuracy")
        if isinstance(accuracy, (int, float)):
            answer["accuracy"] = accuracy
    except (ValueError, AttributeError):
        pass
    return answer


HANDLERS = {"info": info, "train": train, "score": score, "forest": forest, "load": load, "child": child}

for line in sys.stdin:
    if not line.strip():
        continue
    command = json.loads(line)
    try:
        answer = HANDLERS[command["task"]](command)
    except Exception as error:  # reported to the caller, which stops the benchmark with it
        answer = {"error": f"{type(error).__name__}: {error}"}
    sys.stdout.write(json.dumps(answer) + "\n")
    sys.stdout.flush()
