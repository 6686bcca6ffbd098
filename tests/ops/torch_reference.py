#!/usr/bin/python3
"""PyTorch's answers for the differential test of tapegrad's ops (torch_reference_test.cpp).

Reads a JSON list of cases, each with a Python expression in the inputs x0, x1, ... (torch and
torch.nn.functional as F in scope), the inputs' shapes and values, a cotangent u of the output's
shape and, per input, a direction w. Writes, per case, PyTorch's output y = f(x), the gradients
g_k = (∂y/∂x_k)ᵀ u, and the second-order products h_k = ∂⟨g, w⟩/∂x_k (differentiating the first
gradients again), all in float64. Started once for the whole test: importing torch takes seconds.

    torch_reference.py cases.json answers.json
"""
import json
import math
import sys

import torch
import torch.nn.functional as F  # noqa: N812 (the expressions use torch's own spelling)


def tensor(values, shape, requires_grad):
    values = [float(v) for v in values]  # "inf", "-inf" and "nan" come as strings
    t = torch.tensor(values, dtype=torch.float64).reshape(shape)
    return t.requires_grad_(requires_grad)


def encode(t):
    t = t.detach()
    if t._is_zerotensor():  # autograd's storage-free zeros (abs's second derivative, say)
        t = torch.zeros(t.shape, dtype=t.dtype)
    return [v if math.isfinite(v) else repr(v) for v in t.reshape(-1).tolist()]


def answer(case):
    xs = [tensor(x["values"], x["shape"], True) for x in case["inputs"]]
    scope = {"torch": torch, "F": F, **{f"x{k}": x for k, x in enumerate(xs)}}
    y = eval(case["torch"], scope)  # noqa: S307 (expressions written in the test suite)
    if y.dtype != torch.float64:
        y = y.to(torch.float64)
    result = {"shape": list(y.shape), "y": encode(y)}
    u = tensor(case["u"], list(y.shape), False)
    if not y.requires_grad:  # no input reaches the output (a comparison): all gradients zero
        result["g"] = [encode(torch.zeros_like(x)) for x in xs]
        result["h"] = [encode(torch.zeros_like(x)) for x in xs]
        return result
    g = torch.autograd.grad(y, xs, u, create_graph=True, allow_unused=True)
    g = [gk if gk is not None else torch.zeros_like(x) for gk, x in zip(g, xs)]
    result["g"] = [encode(gk) for gk in g]
    pairing = sum((gk * tensor(w, list(gk.shape), False)).sum()
                  for gk, w in zip(g, case["w"]))
    if pairing.requires_grad:
        h = torch.autograd.grad(pairing, xs, allow_unused=True)
        h = [hk if hk is not None else torch.zeros_like(x) for hk, x in zip(h, xs)]
    else:  # a function linear in its inputs: the second derivatives are zero
        h = [torch.zeros_like(x) for x in xs]
    result["h"] = [encode(hk) for hk in h]
    return result


def main():
    with open(sys.argv[1], encoding="utf-8") as f:
        cases = json.load(f)
    answers = []
    for case in cases:
        try:
            answers.append(answer(case))
        except Exception as e:  # reported per case, so one bad expression names itself
            answers.append({"error": f"{type(e).__name__}: {e}"})
    with open(sys.argv[2], "w", encoding="utf-8") as f:
        json.dump(answers, f)


if __name__ == "__main__":
    main()
