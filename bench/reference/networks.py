"""PyTorch counterparts of iot-ids' deep models, built exactly as bench/side-by-side.ts times them:
same layers, initialisation, loss, optimiser settings, batch sizes and batch splitting.

  fcnn   hidden blocks Linear(no bias) -> BatchNorm1d(eps 1e-3, momentum 0.1 = Keras' 0.9) -> ReLU -> Dropout,
         then Linear -> softmax cross-entropy; Adam(lr 1e-3, eps 1e-7); an epoch's rows split into
         ceil(rows / batch) batches of equal size (+-1 row), as src/models/fcnn/fcnn-stage.ts does.
  sae    pretraining of the sparse autoencoder: sigmoid(x W1 + b1) -> sigmoid(h W2 + b2); loss
         (1/B) sum 1/2 |r - x|^2 + beta * KL(rho || mean h) with L2 weight decay on the kernels (coupled, as
         ParameterAdam adds lambda W to the gradient); Adam(lr 0.02, eps 1e-7); consecutive batches, last
         one the remainder (src/models/sae/row-batches.ts).
  vae    encoder features -> 64 -> 32 (ReLU) -> [mu | log var] (16 + 16), z = mu + sigma * eps, decoder
         16 -> 32 -> 64 (ReLU) -> features (logits); loss mean over rows of BCE-with-logits summed over
         features + KL; Adam(lr 2e-3, eps 1e-7); consecutive batches (src/models/vae/vae-stage.ts).
  bigru  GRU(hidden 32, bidirectional, reset-after as in PyTorch and iot-ids' default) over timesteps x
         features; [h_forward | h_backward] -> Linear -> softmax cross-entropy; Adam(lr 1e-3, eps 1e-7);
         consecutive batches (src/models/bigru/shuffled-batches.ts).
Kernels are Glorot-uniform (recurrent kernels orthogonal), biases zero, as in iot-ids.
"""
import math

import torch
import torch.nn.functional as F
from torch import nn


def glorot(module):
    for m in module.modules():
        if isinstance(m, nn.Linear):
            nn.init.xavier_uniform_(m.weight)
            if m.bias is not None:
                nn.init.zeros_(m.bias)


class Fcnn(nn.Module):
    def __init__(self, inputs, hidden, classes, dropout=0.3):
        super().__init__()
        layers, width = [], inputs
        for units in hidden:
            layers += [nn.Linear(width, units, bias=False), nn.BatchNorm1d(units, eps=1e-3, momentum=0.1),
                       nn.ReLU(), nn.Dropout(dropout)]
            width = units
        layers.append(nn.Linear(width, classes))
        self.net = nn.Sequential(*layers)
        glorot(self)

    def forward(self, x):
        return self.net(x)


class SparseAutoencoder(nn.Module):
    def __init__(self, inputs, hidden=64, rho=0.05, beta=3.0):
        super().__init__()
        self.encoder, self.decoder = nn.Linear(inputs, hidden), nn.Linear(hidden, inputs)
        self.rho, self.beta = rho, beta
        glorot(self)

    def loss(self, x):
        h = torch.sigmoid(self.encoder(x))
        r = torch.sigmoid(self.decoder(h))
        reconstruction = 0.5 * (r - x).pow(2).sum() / x.shape[0]
        q = h.mean(0).clamp(1e-6, 1 - 1e-6)
        rho = self.rho
        kl = (rho * torch.log(rho / q) + (1 - rho) * torch.log((1 - rho) / (1 - q))).sum()
        return reconstruction + self.beta * kl


class Vae(nn.Module):
    def __init__(self, inputs, encoder_units=(64, 32), latent=16):
        super().__init__()
        widths = [inputs, *encoder_units]
        self.encoder = nn.Sequential(*[m for k in range(len(encoder_units))
                                       for m in (nn.Linear(widths[k], widths[k + 1]), nn.ReLU())])
        self.mean = nn.Linear(encoder_units[-1], latent)
        self.log_var = nn.Linear(encoder_units[-1], latent)
        back = [latent, *reversed(encoder_units), inputs]
        decoder = []
        for k in range(len(back) - 1):
            decoder.append(nn.Linear(back[k], back[k + 1]))
            if k < len(back) - 2:
                decoder.append(nn.ReLU())
        self.decoder = nn.Sequential(*decoder)
        glorot(self)

    def loss(self, x):
        top = self.encoder(x)
        mu, log_var = self.mean(top), self.log_var(top)
        z = mu + torch.exp(0.5 * log_var) * torch.randn_like(mu)
        logits = self.decoder(z)
        reconstruction = F.binary_cross_entropy_with_logits(logits, x, reduction="sum")
        kl = 0.5 * (mu.pow(2) + log_var.exp() - 1 - log_var).sum()
        return (reconstruction + kl) / x.shape[0]


class BiGru(nn.Module):
    def __init__(self, timesteps, features, units, classes):
        super().__init__()
        self.timesteps, self.features = timesteps, features
        self.gru = nn.GRU(features, units, batch_first=True, bidirectional=True)
        self.output = nn.Linear(2 * units, classes)
        for name, p in self.gru.named_parameters():
            if name.startswith("weight_ih"):
                nn.init.xavier_uniform_(p)
            elif name.startswith("weight_hh"):
                nn.init.orthogonal_(p)
            else:
                nn.init.zeros_(p)
        glorot(self.output)

    def forward(self, x):
        _, h = self.gru(x.view(x.shape[0], self.timesteps, self.features))
        return self.output(torch.cat([h[0], h[1]], dim=1))


def adam(parameters, lr):
    return torch.optim.Adam(parameters, lr=lr, eps=1e-7)


class Trainer:
    """One model with its optimiser and data; `epoch()` runs one training epoch over all rows."""

    def __init__(self, spec, x, y):
        torch.manual_seed(1)
        self.kind, self.batch = spec["model"], int(spec["batchSize"])
        self.x = torch.from_numpy(x)
        self.y = None if y is None else torch.from_numpy(y.astype("int64"))
        inputs = x.shape[1]
        if self.kind == "fcnn":
            self.model = Fcnn(inputs, spec["hiddenUnits"], spec["classes"], spec.get("dropout", 0.3))
            self.optimizer = adam(self.model.parameters(), spec.get("learningRate", 1e-3))
        elif self.kind == "sae":
            self.model = SparseAutoencoder(inputs, spec.get("hiddenUnits", 64), spec.get("rho", 0.05),
                                           spec.get("beta", 3.0))
            kernels = [self.model.encoder.weight, self.model.decoder.weight]
            biases = [self.model.encoder.bias, self.model.decoder.bias]
            self.optimizer = torch.optim.Adam(
                [{"params": kernels, "weight_decay": spec.get("weightDecay", 1e-4)},
                 {"params": biases, "weight_decay": 0.0}], lr=spec.get("learningRate", 0.02), eps=1e-7)
        elif self.kind == "vae":
            self.model = Vae(inputs, spec.get("encoderUnits", [64, 32]), spec.get("latentSize", 16))
            self.optimizer = adam(self.model.parameters(), spec.get("learningRate", 2e-3))
        elif self.kind == "bigru":
            self.model = BiGru(spec["timesteps"], spec["featuresPerStep"], spec.get("units", 32),
                               spec["classes"])
            self.optimizer = adam(self.model.parameters(), spec.get("learningRate", 1e-3))
        else:
            raise ValueError(f"unknown model {self.kind}")
        self.model.train()

    def bounds(self, rows):
        if self.kind == "fcnn":
            # Equal batches (+-1 row), as FcnnStage splits an epoch.
            count = math.ceil(rows / self.batch)
            return [(b * rows // count, (b + 1) * rows // count) for b in range(count)]
        return [(s, min(s + self.batch, rows)) for s in range(0, rows, self.batch)]

    def epoch(self):
        rows = self.x.shape[0]
        order = torch.randperm(rows)
        total = torch.zeros(())
        for start, end in self.bounds(rows):
            index = order[start:end]
            xb = self.x.index_select(0, index)
            self.optimizer.zero_grad(set_to_none=True)
            if self.kind in ("fcnn", "bigru"):
                loss = F.cross_entropy(self.model(xb), self.y.index_select(0, index))
            else:
                loss = self.model.loss(xb)
            loss.backward()
            self.optimizer.step()
            total += loss.detach() * (end - start)
        return float(total) / rows
