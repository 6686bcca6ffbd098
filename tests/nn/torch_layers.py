# The PyTorch side of tests/nn/torch_layers_test.cpp (safetensors by hand: tests/nn/torch_state.py).
#
#   torch_layers.py export DIR   writes, for a CNN (Sequential of Conv2d, BatchNorm2d, ReLU,
#       MaxPool2d, Conv2d, ReLU, Flatten, Linear; seed 0) and a GRU(3, 4):
#       DIR/cnn.safetensors, DIR/gru.safetensors (their state_dicts, float32), and
#       DIR/cnn_reference.safetensors, DIR/gru_reference.safetensors (in float64, from the same
#       state: a batch x, the output y in training mode, the gradients of sum(y**2) with respect
#       to x and every parameter, the running statistics after that batch, and, for the CNN,
#       the output in evaluation mode afterwards).
#   torch_layers.py import DIR   loads DIR/tapegrad_cnn.safetensors strictly into the same CNN,
#       and writes its evaluation-mode output on DIR/input.safetensors' x to
#       DIR/torch_output.safetensors.
import os
import sys

import torch
from torch import nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from torch_state import read_safetensors, write_safetensors  # noqa: E402


def cnn():
    return nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.BatchNorm2d(4), nn.ReLU(),
                         nn.MaxPool2d(2), nn.Conv2d(4, 6, 3), nn.ReLU(), nn.Flatten(),
                         nn.Linear(24, 3))


def reference(net, x, extra_inputs=()):
    x = x.clone().requires_grad_(True)
    out = net(x, *extra_inputs)
    y = out[0] if isinstance(out, tuple) else out
    (y ** 2).sum().backward()
    result = {"x": x, "y": y, "x.grad": x.grad}
    for name, parameter in net.named_parameters():
        result["grad." + name] = parameter.grad
    for name, buffer in net.named_buffers():
        result["after." + name] = buffer
    return result


def export(folder):
    torch.manual_seed(0)
    net = cnn()
    # Running statistics away from their initial values, so that loading them matters.
    for _ in range(2):
        net(torch.randn(4, 1, 8, 8))
    write_safetensors(folder + "/cnn.safetensors", net.state_dict())
    net64 = cnn().double()
    net64.load_state_dict(net.state_dict())
    result = reference(net64, torch.randn(5, 1, 8, 8, dtype=torch.float64))
    net64.eval()
    with torch.no_grad():
        result["eval.y"] = net64(result["x"])
    write_safetensors(folder + "/cnn_reference.safetensors", result)

    gru = nn.GRU(3, 4)
    write_safetensors(folder + "/gru.safetensors", gru.state_dict())
    gru64 = nn.GRU(3, 4).double()
    gru64.load_state_dict(gru.state_dict())
    write_safetensors(folder + "/gru_reference.safetensors",
                      reference(gru64, torch.randn(6, 2, 3, dtype=torch.float64)))


def import_(folder):
    net = cnn()
    net.load_state_dict(read_safetensors(folder + "/tapegrad_cnn.safetensors"), strict=True)
    net.eval()
    x = read_safetensors(folder + "/input.safetensors")["x"]
    with torch.no_grad():
        write_safetensors(folder + "/torch_output.safetensors", {"y": net(x)})


if __name__ == "__main__":
    {"export": export, "import": import_}[sys.argv[1]](sys.argv[2])
