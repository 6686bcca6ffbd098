# The PyTorch side of tests/nn/torch_state_test.cpp. safetensors is written and read by hand (no
# package needed): an 8-byte little-endian header length, a JSON header, the raw little-endian
# bytes.
#
#   torch_state.py export DIR   writes DIR/sequential.safetensors (the state_dict of
#       Sequential(Linear(4,8), ReLU(), Linear(8,3)), seed 0, float32), DIR/reference.safetensors
#       (a batch x, the output y, and the gradients of sum(y**2) with respect to x and to every
#       parameter, computed in float64), DIR/nested.safetensors (a nested module with BatchNorm1d,
#       after two training batches) and DIR/nested_order.txt (its state_dict keys, in order).
#   torch_state.py import DIR   loads DIR/tapegrad.safetensors (written by tapegrad) strictly into
#       the same Sequential and writes its output on DIR/input.safetensors' x to
#       DIR/torch_output.safetensors.
import json
import struct
import sys

import torch
from torch import nn

FORMATS = {torch.float32: ("F32", "f"), torch.float64: ("F64", "d"), torch.int64: ("I64", "q")}
DTYPES = {"F32": (torch.float32, "f", 4), "F64": (torch.float64, "d", 8), "I64": (torch.int64, "q", 8)}


def write_safetensors(path, tensors):
    header, blobs, offset = {}, [], 0
    for name, tensor in tensors.items():
        dtype, code = FORMATS[tensor.dtype]
        values = tensor.detach().reshape(-1).tolist()
        blob = struct.pack("<%d%s" % (len(values), code), *values)
        header[name] = {"dtype": dtype, "shape": list(tensor.shape),
                        "data_offsets": [offset, offset + len(blob)]}
        blobs.append(blob)
        offset += len(blob)
    text = json.dumps(header).encode()
    text += b" " * ((8 - len(text) % 8) % 8)
    with open(path, "wb") as out:
        out.write(struct.pack("<Q", len(text)) + text + b"".join(blobs))


def read_safetensors(path):
    with open(path, "rb") as f:
        data = f.read()
    (length,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + length])
    body = data[8 + length:]
    tensors = {}
    for name, entry in header.items():
        if name == "__metadata__":
            continue
        dtype, code, size = DTYPES[entry["dtype"]]
        begin, end = entry["data_offsets"]
        values = struct.unpack("<%d%s" % ((end - begin) // size, code), body[begin:end])
        tensors[name] = torch.tensor(values, dtype=dtype).reshape(entry["shape"])
    return tensors


def sequential():
    return nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 3))


class Nested(nn.Module):
    """tests/nn/torch_state_test.cpp builds the same tree with tapegrad."""

    def __init__(self):
        super().__init__()
        self.register_buffer("scale", torch.tensor([2.0]))
        self.encoder = nn.Module()
        self.encoder.layers = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1))
        self.encoder.norm = nn.BatchNorm1d(1)
        self.head = nn.Linear(1, 1)

    def forward(self, x):
        return self.head(self.encoder.norm(self.encoder.layers(x)))


def export(folder):
    torch.manual_seed(0)
    net = sequential()
    write_safetensors(folder + "/sequential.safetensors", net.state_dict())
    net64 = sequential().double()
    net64.load_state_dict(net.state_dict())
    x = torch.randn(5, 4, dtype=torch.float64, requires_grad=True)
    y = net64(x)
    (y ** 2).sum().backward()
    reference = {"x": x, "y": y, "x.grad": x.grad}
    for name, parameter in net64.named_parameters():
        reference["grad." + name] = parameter.grad
    write_safetensors(folder + "/reference.safetensors", reference)

    nested = Nested()
    for _ in range(2):
        nested(torch.randn(4, 2))
    write_safetensors(folder + "/nested.safetensors", nested.state_dict())
    with open(folder + "/nested_order.txt", "w") as out:
        out.write("\n".join(nested.state_dict().keys()) + "\n")


def import_(folder):
    net = sequential()
    net.load_state_dict(read_safetensors(folder + "/tapegrad.safetensors"), strict=True)
    x = read_safetensors(folder + "/input.safetensors")["x"]
    with torch.no_grad():
        write_safetensors(folder + "/torch_output.safetensors", {"y": net(x)})


if __name__ == "__main__":
    {"export": export, "import": import_}[sys.argv[1]](sys.argv[2])
