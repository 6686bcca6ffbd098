#!/usr/bin/env python3
"""Writes the seed corpus of fuzz_safetensors (corpus/safetensors/): small valid F32/F64 files laid
out as the format's specification says, and one file per rule the reader enforces. Run it again
after changing it; the files are committed, so the fuzzing needs no Python."""
import json
import math
import pathlib
import struct

OUT = pathlib.Path(__file__).resolve().parent / "corpus" / "safetensors"


def file_of(header, data: bytes = b"", pad: bool = True, length=None) -> bytes:
    raw = header if isinstance(header, bytes) else header.encode("utf-8")
    if pad:
        raw += b" " * (-len(raw) % 8)  # as the reference writer does
    return struct.pack("<Q", len(raw) if length is None else length) + raw + data


def entry(dtype, shape, begin, end):
    return {"dtype": dtype, "shape": shape, "data_offsets": [begin, end]}


def tensors(items, metadata=None):
    """A valid file of (name, dtype, shape, values), in that byte order."""
    header, data = {}, b""
    if metadata is not None:
        header["__metadata__"] = metadata
    for name, dtype, shape, values in items:
        raw = struct.pack("<%d%s" % (len(values), "f" if dtype == "F32" else "d"), *values)
        header[name] = entry(dtype, shape, len(data), len(data) + len(raw))
        data += raw
    return file_of(json.dumps(header, separators=(",", ":"), ensure_ascii=False), data)


nan_with_payload = struct.unpack("<d", struct.pack("<Q", 0x7FF8000000000001))[0]
seeds = {
    # ---- valid ----
    "valid_f32_matrix": tensors([("w", "F32", [2, 3], [1, 2, 3, 4, 5, 6])]),
    "valid_f64_vector": tensors([("b", "F64", [4], [-1, 0.5, 1e-300, 1e300])]),
    "valid_mlp_layers": tensors(
        [("layers.0.bias", "F64", [3], [0.1, 0.2, 0.3]),
         ("layers.0.weight", "F32", [3, 2], [1, -1, 2, -2, 3, -3]),
         ("layers.1.bias", "F32", [1], [0.5]),
         ("layers.1.weight", "F32", [1, 3], [0.25, 0.5, 0.75])],
        {"format": "pt", "note": "ünïcode ✓"}),
    "valid_scalar_and_empty": tensors(
        [("scale", "F64", [], [2.5]), ("empty", "F32", [0, 3], []),
         ("cube", "F32", [2, 1, 2], [1, 2, 3, 4])]),
    "valid_awkward_values": tensors(
        [("special", "F64", [6],
          [nan_with_payload, -0.0, 5e-324, -math.inf, 1.7976931348623157e308, 0.1]),
         ("special32", "F32", [3], [math.nan, -0.0, math.inf])]),
    "valid_no_tensors": file_of("{}"),
    "valid_metadata_only": file_of('{"__metadata__":{"k":"v"}}'),
    "valid_unpadded_header": file_of('{"x":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}',
                                     struct.pack("<f", 7.0), pad=False),
    # ---- invalid: one rule each ----
    "bad_empty": b"",
    "bad_short_length": b"\x02\x00\x00\x00\x00\x00\x00",
    "bad_truncated": file_of('{"x":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}', b"\x00" * 4),
    "bad_header_longer_than_file": file_of("{}", length=4096),
    "bad_header_length_huge": file_of("{}", length=2**63),
    "bad_header_not_object": file_of("[1,2]"),
    "bad_header_not_json": file_of('{"x":'),
    "bad_nul_in_header": file_of('{"a":1}\x00   '),
    "bad_nested_too_deep": file_of('{"x":{"shape":[[1]]}}'),
    "bad_dtype_f16": file_of(json.dumps({"h": entry("F16", [2], 0, 4)}), b"\x00" * 4),
    "bad_dtype_unknown": file_of(json.dumps({"h": entry("Q7", [1], 0, 4)}), b"\x00" * 4),
    "bad_negative_dim": file_of(json.dumps({"x": entry("F32", [-1], 0, 4)}), b"\x00" * 4),
    "bad_offsets_wrong_size": file_of(json.dumps({"x": entry("F32", [2, 2], 0, 12)}), b"\x00" * 12),
    "bad_offsets_reversed": file_of(json.dumps({"x": entry("F32", [1], 4, 0)}), b"\x00" * 4),
    "bad_gap": file_of(json.dumps({"x": entry("F32", [1], 4, 8)}), b"\x00" * 8),
    "bad_overlap": file_of(json.dumps({"x": entry("F32", [2], 0, 8), "y": entry("F32", [1], 4, 8)}),
                           b"\x00" * 8),
    "bad_bytes_left_over": file_of(json.dumps({"x": entry("F32", [1], 0, 4)}), b"\x00" * 12),
    "bad_rank_9": file_of(json.dumps({"x": entry("F32", [1] * 9, 0, 4)}), b"\x00" * 4),
    "bad_dim_2_pow_32": file_of(json.dumps({"x": entry("F32", [0, 2**32], 0, 0)})),
    "bad_size_overflow": file_of(json.dumps({"x": entry("F64", [2**32 - 1] * 3, 0, 8)}),
                                 b"\x00" * 8),
    "bad_duplicate_name": file_of('{"x":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},'
                                  '"x":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}',
                                  b"\x00" * 4),
    "bad_duplicate_key": file_of('{"x":{"dtype":"F32","dtype":"F32","shape":[1],'
                                 '"data_offsets":[0,4]}}', b"\x00" * 4),
    "bad_unknown_key": file_of('{"x":{"dtype":"F32","shape":[1],"data_offsets":[0,4],"extra":1}}',
                               b"\x00" * 4),
    "bad_missing_key": file_of('{"x":{"dtype":"F32","shape":[1]}}'),
    "bad_metadata_not_strings": file_of('{"__metadata__":{"k":1}}'),
    "bad_invalid_utf8_name": file_of(b'{"\xff":{}}'),
}

OUT.mkdir(parents=True, exist_ok=True)
for name, data in seeds.items():
    assert len(data) < 4096, name
    (OUT / name).write_bytes(data)
print(f"wrote {len(seeds)} files to {OUT}")
