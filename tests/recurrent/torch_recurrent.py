"""PyTorch's answers for tests/recurrent/recurrent_torch_test.cpp.

Reads a JSON list of cases, each a recurrent module (GRUCell, LSTMCell, GRU or LSTM) with its
parameters by torch name, an input and optionally an initial state; builds the torch.nn module in
double, copies the parameters in, runs forward, then backward of the sum of squares of every
returned tensor, and writes the returned tensors and the gradients of every parameter and input.

    python3 torch_recurrent.py cases.json answers.json
"""
import json
import sys

import torch


def tensor(entry):
    return torch.tensor(entry["values"], dtype=torch.float64).reshape(entry["shape"])


def build(case):
    i, h, bias = case["input_size"], case["hidden_size"], case["bias"]
    kind = case["kind"]
    if kind == "GRUCell":
        return torch.nn.GRUCell(i, h, bias=bias)
    if kind == "LSTMCell":
        return torch.nn.LSTMCell(i, h, bias=bias)
    layer = {"GRU": torch.nn.GRU, "LSTM": torch.nn.LSTM}[kind]
    return layer(i, h, num_layers=case["num_layers"], bias=bias, batch_first=case["batch_first"])


def outputs_of(module, kind, x, state):
    if kind == "GRUCell":
        return [module(x, state[0]) if state else module(x)]
    if kind == "LSTMCell":
        return list(module(x, tuple(state)) if state else module(x))
    if kind == "GRU":
        output, h_n = module(x, state[0]) if state else module(x)
        return [output, h_n]
    output, (h_n, c_n) = module(x, tuple(state)) if state else module(x)
    return [output, h_n, c_n]


def answer(case):
    module = build(case).double()
    names = [name for name, _ in module.named_parameters()]
    if sorted(names) != sorted(case["parameters"].keys()):
        raise ValueError(f"parameter names differ: torch {names}, tapegrad {list(case['parameters'])}")
    with torch.no_grad():
        for name, p in module.named_parameters():
            given = tensor(case["parameters"][name])
            if given.shape != p.shape:
                raise ValueError(f"{name}: torch {list(p.shape)}, tapegrad {list(given.shape)}")
            p.copy_(given)
    x = tensor(case["x"]).requires_grad_(True)
    state = [tensor(s).requires_grad_(True) for s in case["state"]]
    outputs = outputs_of(module, case["kind"], x, state)
    loss = sum((o * o).sum() for o in outputs)
    loss.backward()
    return {
        "parameter_order": names,
        "outputs": [{"shape": list(o.shape), "values": o.detach().flatten().tolist()} for o in outputs],
        "parameter_grads": {n: p.grad.flatten().tolist() for n, p in module.named_parameters()},
        "x_grad": x.grad.flatten().tolist(),
        "state_grads": [s.grad.flatten().tolist() for s in state],
    }


def main():
    with open(sys.argv[1]) as f:
        cases = json.load(f)
    answers = []
    for case in cases:
        try:
            answers.append(answer(case))
        except Exception as e:  # reported per case by the C++ test
            answers.append({"error": f"{type(e).__name__}: {e}"})
    with open(sys.argv[2], "w") as f:
        json.dump(answers, f)


if __name__ == "__main__":
    main()
