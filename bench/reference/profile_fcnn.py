"""Where PyTorch's time goes in one FCNN training step (the side-by-side network and batch), per operator,
for comparison with the iot-ids step profile in bench/fcnn.ts. Synthetic inputs of the same shape
(the operators' cost does not depend on the values). Prints one JSON line and one human line.

    OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 /usr/bin/python3 bench/reference/profile_fcnn.py [--hidden 64,32] [--batch 256] [--steps 200]
"""
import argparse
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402
from torch.profiler import ProfilerActivity, profile  # noqa: E402

from networks import Fcnn, adam  # noqa: E402

parser = argparse.ArgumentParser()
parser.add_argument("--hidden", default="64,32")
parser.add_argument("--batch", type=int, default=256)
parser.add_argument("--steps", type=int, default=200)
args = parser.parse_args()
torch.set_num_threads(1)
torch.manual_seed(1)
hidden = [int(h) for h in args.hidden.split(",")]
model = Fcnn(122, hidden, 5)
optimizer = adam(model.parameters(), 1e-3)
x = torch.rand(args.batch * 16, 122)
y = torch.randint(0, 5, (args.batch * 16,))


def step(i):
    rows = torch.randint(0, x.shape[0], (args.batch,))
    xb, yb = x.index_select(0, rows), y.index_select(0, rows)
    optimizer.zero_grad(set_to_none=True)
    loss = F.cross_entropy(model(xb), yb)
    loss.backward()
    optimizer.step()


for i in range(20):
    step(i)
cpu = time.process_time()
for i in range(args.steps):
    step(i)
step_ms = (time.process_time() - cpu) * 1000 / args.steps
with profile(activities=[ProfilerActivity.CPU]) as prof:
    for i in range(args.steps):
        step(i)
events = [e for e in prof.key_averages() if e.self_cpu_time_total > 0]
total = sum(e.self_cpu_time_total for e in events)
top = sorted(events, key=lambda e: -e.self_cpu_time_total)[:12]
ops_per_step = sum(e.count for e in events) / args.steps
result = {"bench": "pytorch-fcnn-step-profile", "hidden": hidden, "batch": args.batch, "stepCpuMs": round(step_ms, 3),
          "operatorCallsPerStep": round(ops_per_step, 1),
          "selfShare": {e.key: round(e.self_cpu_time_total / total, 3) for e in top},
          # The profiler's own cost inflates every operator alike: shares of the unprofiled step time.
          "selfMsPerStep": {e.key: round(step_ms * e.self_cpu_time_total / total, 4) for e in top}}
print(json.dumps(result))
print(f"PyTorch FCNN 122-{'-'.join(map(str, hidden))}-5 @{args.batch}: {step_ms:.2f} ms CPU per step, "
      f"{ops_per_step:.0f} operator calls per step; self time: "
      + ", ".join(f"{e.key} {100 * e.self_cpu_time_total / total:.0f} %" for e in top[:8]))
