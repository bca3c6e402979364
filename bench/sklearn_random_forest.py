"""Reference: scikit-learn's RandomForestClassifier(n_estimators=100, n_jobs=2) on the same data and encoding
as bench/random-forest.ts (one-hot fitted on KDDTrain+, min-max fitted on KDDTrain+, 5-class task).

Not part of iot-ids (which needs no Python); only a yardstick for docs/benchmarks.md.
    apt-get install python3-sklearn && /usr/bin/python3 bench/sklearn_random_forest.py
"""
import gzip, json, os, resource, statistics, time
import numpy as np
from sklearn.ensemble import RandomForestClassifier

DATA = os.environ.get("IOT_IDS_DATA_DIR", "../shared/data")
CATS = {"normal": 0}
for c, names in {1: "back land neptune pod smurf teardrop apache2 mailbomb processtable udpstorm",
                 2: "ipsweep nmap portsweep satan mscan saint",
                 3: "ftp_write guess_passwd imap multihop phf spy warezclient warezmaster named sendmail snmpgetattack snmpguess xlock xsnoop worm",
                 4: "buffer_overflow loadmodule perl rootkit httptunnel ps sqlattack xterm"}.items():
    for n in names.split():
        CATS[n] = c

def read(name):
    with gzip.open(os.path.join(DATA, "nsl-kdd", name), "rt") as f:
        rows = [line.rstrip("\n").split(",") for line in f if line.strip()]
    return rows, np.array([CATS[r[41]] for r in rows])

train, ytr = read("KDDTrain+.txt.gz")
test, yte = read("KDDTest+.txt.gz")
cat_cols = [1, 2, 3]
cats = {c: sorted({r[c] for r in train}) for c in cat_cols}

def encode(rows):
    out = []
    for r in rows:
        v = []
        for i in range(41):
            if i in cat_cols:
                v.extend(1.0 if r[i] == k else 0.0 for k in cats[i])
            else:
                v.append(float(r[i]))
        out.append(v)
    return np.array(out, dtype=np.float32)

Xtr, Xte = encode(train), encode(test)
lo, hi = Xtr.min(0), Xtr.max(0)
span = np.where(hi > lo, hi - lo, 1)
Xtr, Xte = (Xtr - lo) / span, np.clip((Xte - lo) / span, 0, 1)

fits, preds, accs = [], [], []
for seed in (1, 2, 3):
    rf = RandomForestClassifier(n_estimators=100, n_jobs=2, random_state=seed)
    t0 = time.perf_counter(); rf.fit(Xtr, ytr); fits.append(time.perf_counter() - t0)
    t1 = time.perf_counter(); p = rf.predict(Xte); preds.append(len(Xte) / (time.perf_counter() - t1))
    accs.append(float((p == yte).mean()))
result = {"bench": "sklearn-random-forest", "fitSecondsMedian": round(statistics.median(fits), 2),
          "fitSeconds": [round(s, 2) for s in fits], "predictRowsPerSecondMedian": round(statistics.median(preds)),
          "kddTestPlusAccuracy": [round(a, 4) for a in accs],
          "peakRssMiB": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)}
print(json.dumps(result))
print(f"scikit-learn RF 100 trees n_jobs=2: fit {result['fitSecondsMedian']} s (median of 3), predict {result['predictRowsPerSecondMedian']:,} rows/s, KDDTest+ accuracy {accs}")
