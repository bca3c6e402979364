"""The non-network references of bench/side-by-side.ts: scikit-learn's random forest, FCNN scoring with
PyTorch and with numpy (the folded network), and CSV loading with pandas.read_csv."""
import numpy as np


def forest(spec, train, test):
    """Fit 100 trees with n_jobs=2 (as iot-ids' two worker threads), predict the test rows."""
    from sklearn.ensemble import RandomForestClassifier

    (xtr, ytr), (xte, yte) = train, test
    model = RandomForestClassifier(n_estimators=spec.get("trees", 100), n_jobs=spec.get("jobs", 2),
                                   random_state=spec.get("seed", 1))
    return model, xtr, ytr, xte, yte


class FoldedNumpy:
    """The FCNN in inference mode with BatchNorm folded into each kernel: relu(x W + b) ... softmax."""

    def __init__(self, shapes, rng):
        self.layers = []
        for inputs, units in shapes:
            limit = np.sqrt(6 / (inputs + units))
            kernel = rng.uniform(-limit, limit, (inputs, units)).astype(np.float32)
            self.layers.append((kernel, np.zeros(units, dtype=np.float32)))

    def predict_proba(self, x, batch):
        out = np.empty((x.shape[0], self.layers[-1][0].shape[1]), dtype=np.float32)
        for start in range(0, x.shape[0], batch):
            h = x[start:start + batch]
            for k, (kernel, bias) in enumerate(self.layers):
                h = h @ kernel
                h += bias
                if k < len(self.layers) - 1:
                    np.maximum(h, 0, out=h)
            h -= h.max(axis=1, keepdims=True)
            np.exp(h, out=h)
            h /= h.sum(axis=1, keepdims=True)
            out[start:start + batch] = h
        return out


def torch_scorer(spec, inputs):
    import torch
    from networks import Fcnn

    model = Fcnn(inputs, spec["hiddenUnits"], spec["classes"])
    model.eval()

    def predict_proba(x, batch):
        with torch.no_grad():
            xt = torch.from_numpy(x)
            return torch.cat([torch.softmax(model(xt[s:s + batch]), dim=1)
                              for s in range(0, x.shape[0], batch)]).numpy()

    return predict_proba


def numpy_scorer(spec, inputs):
    widths = [inputs, *spec["hiddenUnits"], spec["classes"]]
    network = FoldedNumpy(list(zip(widths[:-1], widths[1:])), np.random.default_rng(1))
    return network.predict_proba


def read_csv(path):
    import pandas as pd

    return len(pd.read_csv(path, header=None, compression="gzip"))
