"""Reference for a whole `iot-ids train --model fcnn` run with its defaults (bench/side-by-side.ts `pipeline`):
the same pipeline written with pandas, scikit-learn and PyTorch 1.13, run as its own process and timed from
the outside like the iot-ids side. Not part of iot-ids; a yardstick only.

What it does, step by step as src/train/run-training.ts does for dataset nsl-kdd, task 5class, protocol
official (train KDDTrain+, test KDDTest+ and KDDTest-21):
  1. read KDDTrain+.txt.gz (pandas.read_csv, gzip), map the raw labels to the five KDD classes with the
     taxonomy iot-ids uses (passed in as JSON by the side-by-side command, so both map labels alike);
  2. hold out a stratified 10 % of the training rows for validation (scikit-learn train_test_split);
  3. fit the feature pipeline on the other 90 %: one-hot for protocol_type, service and flag (categories
     seen in training; unseen ones become all-zero blocks), min-max for the 38 numeric columns (a constant
     column scales to 0), values clipped into [0, 1];
  4. train the FCNN of iot-ids' defaults (src/models/fcnn/options.ts): blocks Linear(no bias) -> BatchNorm
     (eps 1e-3) -> ReLU -> Dropout 0.3 of 128 and 64 units, Linear -> softmax cross-entropy, Adam (lr 1e-3,
     eps 1e-7), batch 512 (an epoch split into equal batches), at most 30 epochs, early stopping on the
     validation loss (patience 5, min delta 1e-4, best weights restored); a checkpoint of the weights is
     written after every epoch, as iot-ids' ModelCheckpoint does;
  5. save the model (state dict + pipeline state), score the validation rows, then read, transform and
     score KDDTest+ and KDDTest-21 (accuracy, per-class report, confusion matrix) and write metrics.json.

    OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 /usr/bin/python3 bench/reference/pipeline_fcnn.py \
        --data-dir ../shared/data --taxonomy taxonomy.json --out /tmp/run [--seed 1] [--threads 1]

Prints one JSON line: epochs run, best epoch, validation accuracy, KDDTest+ accuracy (`accuracy`) and both
test accuracies.
"""
import argparse
import json
import math
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

parser = argparse.ArgumentParser()
parser.add_argument("--data-dir", required=True)
parser.add_argument("--taxonomy", required=True, help="JSON {normal: [labels], categories: {label: class}}")
parser.add_argument("--out", required=True)
parser.add_argument("--seed", type=int, default=1)
parser.add_argument("--threads", type=int, default=1)
args = parser.parse_args()

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402
from sklearn.metrics import classification_report, confusion_matrix  # noqa: E402
from sklearn.model_selection import train_test_split  # noqa: E402

from networks import Fcnn, adam  # noqa: E402

torch.set_num_threads(args.threads)
torch.manual_seed(args.seed)

CLASSES = ["normal", "dos", "probe", "r2l", "u2r"]
CATEGORICAL = [1, 2, 3]  # protocol_type, service, flag
LABEL, DIFFICULTY = 41, 42
HIDDEN, DROPOUT, LR, BATCH, EPOCHS, PATIENCE, MIN_DELTA = [128, 64], 0.3, 1e-3, 512, 30, 5, 1e-4

with open(args.taxonomy) as f:
    taxonomy = json.load(f)
category_of = {label: "normal" for label in taxonomy["normal"]}
category_of.update(taxonomy["categories"])


def load(split):
    frame = pd.read_csv(os.path.join(args.data_dir, "nsl-kdd", f"{split}.txt.gz"), header=None,
                        compression="gzip")
    labels = frame[LABEL].map(category_of)
    known = labels.notna()
    frame, labels = frame[known], labels[known]
    y = labels.map({c: i for i, c in enumerate(CLASSES)}).to_numpy(dtype=np.int64)
    return frame.drop(columns=[LABEL, DIFFICULTY]), y, int((~known).sum())


class Pipeline:
    """One-hot + min-max fitted on the training rows only; transform clips into [0, 1]."""

    def fit(self, frame):
        self.numeric = [c for c in frame.columns if c not in CATEGORICAL]
        values = frame[self.numeric].to_numpy(dtype=np.float64)
        self.low, self.high = values.min(axis=0), values.max(axis=0)
        self.categories = {c: sorted(frame[c].unique()) for c in CATEGORICAL}
        return self

    def transform(self, frame):
        values = frame[self.numeric].to_numpy(dtype=np.float64)
        span = self.high - self.low
        scaled = np.where(span > 0, (values - self.low) / np.where(span > 0, span, 1), 0.0)
        parts = [np.clip(scaled, 0, 1).astype(np.float32)]
        for c in CATEGORICAL:
            codes = pd.Categorical(frame[c], categories=self.categories[c]).codes
            block = np.zeros((len(frame), len(self.categories[c])), dtype=np.float32)
            seen = codes >= 0
            block[np.nonzero(seen)[0], codes[seen]] = 1
            parts.append(block)
        return np.ascontiguousarray(np.concatenate(parts, axis=1))

    def state(self):
        return {"numeric": [int(c) for c in self.numeric], "min": self.low.tolist(), "max": self.high.tolist(),
                "categories": {str(c): [str(v) for v in cats] for c, cats in self.categories.items()}}


def predict(model, x, batch=8192):
    model.eval()
    with torch.no_grad():
        xt = torch.from_numpy(x)
        return torch.cat([torch.softmax(model(xt[s:s + batch]), dim=1) for s in range(0, len(x), batch)])


def main():
    started = time.perf_counter()
    os.makedirs(os.path.join(args.out, "checkpoints"), exist_ok=True)
    frame, y, unknown = load("KDDTrain+")
    fit_rows, val_rows = train_test_split(np.arange(len(y)), test_size=0.1, stratify=y,
                                          random_state=args.seed + 7919)
    pipeline = Pipeline().fit(frame.iloc[fit_rows])
    x_fit, y_fit = pipeline.transform(frame.iloc[fit_rows]), y[fit_rows]
    x_val, y_val = pipeline.transform(frame.iloc[val_rows]), y[val_rows]

    model = Fcnn(x_fit.shape[1], HIDDEN, len(CLASSES), DROPOUT)
    optimizer = adam(model.parameters(), LR)
    xt, yt = torch.from_numpy(x_fit), torch.from_numpy(y_fit)
    xv, yv = torch.from_numpy(x_val), torch.from_numpy(y_val)
    rows = len(y_fit)
    count = math.ceil(rows / BATCH)
    bounds = [(b * rows // count, (b + 1) * rows // count) for b in range(count)]
    best, best_epoch, best_state, waited, history = math.inf, -1, None, 0, []
    for epoch in range(EPOCHS):
        model.train()
        order = torch.randperm(rows)
        total = torch.zeros(())
        for start, end in bounds:
            index = order[start:end]
            optimizer.zero_grad(set_to_none=True)
            loss = F.cross_entropy(model(xt.index_select(0, index)), yt.index_select(0, index))
            loss.backward()
            optimizer.step()
            total += loss.detach() * (end - start)
        model.eval()
        with torch.no_grad():
            val_loss = float(F.cross_entropy(model(xv), yv))
        history.append({"epoch": epoch, "loss": float(total) / rows, "valLoss": val_loss})
        torch.save({"epoch": epoch, "model": model.state_dict(), "optimizer": optimizer.state_dict(),
                    "history": history}, os.path.join(args.out, "checkpoints", "last.pt"))
        if val_loss < best - MIN_DELTA:
            best, best_epoch, waited = val_loss, epoch, 0
            best_state = {k: v.clone() for k, v in model.state_dict().items()}
        else:
            waited += 1
            if waited >= PATIENCE:
                break
    model.load_state_dict(best_state)
    train_seconds = time.perf_counter() - started

    os.makedirs(os.path.join(args.out, "model"), exist_ok=True)
    torch.save(model.state_dict(), os.path.join(args.out, "model", "fcnn.pt"))
    with open(os.path.join(args.out, "model", "pipeline.json"), "w") as f:
        json.dump(pipeline.state(), f)
    with open(os.path.join(args.out, "history.json"), "w") as f:
        json.dump(history, f)

    metrics = {"validation": {"accuracy": float((predict(model, x_val).argmax(1).numpy() == y_val).mean())},
               "splits": {}, "unknownLabels": {"KDDTrain+": unknown}, "trainSeconds": train_seconds}
    for split in ["KDDTest+", "KDDTest-21"]:
        test_frame, y_test, unknown = load(split)
        predicted = predict(model, pipeline.transform(test_frame)).argmax(1).numpy()
        metrics["unknownLabels"][split] = unknown
        metrics["splits"][split] = {
            "accuracy": float((predicted == y_test).mean()),
            "report": classification_report(y_test, predicted, labels=list(range(len(CLASSES))),
                                            target_names=CLASSES, output_dict=True, zero_division=0),
            "confusion": confusion_matrix(y_test, predicted, labels=list(range(len(CLASSES)))).tolist(),
        }
    with open(os.path.join(args.out, "metrics.json"), "w") as f:
        json.dump(metrics, f)
    print(json.dumps({"epochs": len(history), "bestEpoch": best_epoch + 1,
                      "validationAccuracy": metrics["validation"]["accuracy"],
                      "accuracy": metrics["splits"]["KDDTest+"]["accuracy"],
                      "accuracies": {s: m["accuracy"] for s, m in metrics["splits"].items()}}))


main()
