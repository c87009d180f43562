"""PyTorch reference for the `training` benchmark: the same 784-200-200-10 MLP, plain SGD, one thread.

Reads one JSON request per line on stdin and answers one JSON line on stdout:
  {"op": "load", "path": ..., "count": N, "features": F}   examples from a little-endian file:
                                                           N*F float32 features, then N int32 labels
  {"op": "epoch", "batchSize": B, "learningRate": lr, "seed": s}
      -> {"examplesPerSecond": ..., "examplesPerCpuSecond": ...}  (wall-clock and process CPU time)
Each epoch starts from the same initial weights, shuffles with its seed, and per batch gathers the
rows, runs forward, cross-entropy, backward and an SGD step, and accumulates loss and hits on the
device (read once per epoch), as Cohort's fitLocally does.
"""

import json
import sys
import time

import numpy as np
import torch
from torch import nn

torch.set_num_threads(1)
torch.set_num_interop_threads(1)


def make_model(features: int, classes: int) -> nn.Module:
    torch.manual_seed(0)
    return nn.Sequential(
        nn.Linear(features, 200), nn.ReLU(), nn.Linear(200, 200), nn.ReLU(), nn.Linear(200, classes)
    )


def epoch(x, y, initial, model, batch_size, learning_rate, seed):
    model.load_state_dict(initial)
    optimizer = torch.optim.SGD(model.parameters(), lr=learning_rate)
    generator = torch.Generator().manual_seed(seed)
    start, cpu_start = time.perf_counter(), time.process_time()
    order = torch.randperm(x.shape[0], generator=generator)
    loss_sum = torch.zeros(())
    hits = torch.zeros((), dtype=torch.int64)
    for idx in order.split(batch_size):
        xb, yb = x[idx], y[idx]
        logits = model(xb)
        loss = nn.functional.cross_entropy(logits, yb)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        with torch.no_grad():
            loss_sum += loss.detach() * idx.numel()
            hits += (logits.argmax(1) == yb).sum()
    return x.shape[0] / (time.perf_counter() - start), x.shape[0] / (time.process_time() - cpu_start)


def main() -> None:
    x = y = model = initial = None
    for line in sys.stdin:
        request = json.loads(line)
        if request["op"] == "load":
            count, features = request["count"], request["features"]
            raw = np.fromfile(request["path"], dtype="<u1")
            x = torch.from_numpy(raw[: count * features * 4].view("<f4").reshape(count, features).copy())
            y = torch.from_numpy(raw[count * features * 4 :].view("<i4").astype(np.int64))
            model = make_model(features, int(y.max()) + 1)
            initial = {k: v.clone() for k, v in model.state_dict().items()}
            answer = {"torch": torch.__version__, "threads": torch.get_num_threads()}
        elif request["op"] == "epoch":
            wall, cpu = epoch(x, y, initial, model, request["batchSize"], request["learningRate"], request["seed"])
            answer = {"examplesPerSecond": wall, "examplesPerCpuSecond": cpu}
        else:
            answer = {"error": f"unknown op {request['op']}"}
        sys.stdout.write(json.dumps(answer) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
