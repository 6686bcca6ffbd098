#!/usr/bin/env python3
"""Makes the committed train/test split of the UCI optical digits (8x8) set.

Reads the 1797 rows of Debian's python3-sklearn copy (64 pixel values 0-16, then the label, no
header) and writes digits-train.csv.gz (1437 rows) and digits-test.csv.gz (360 rows) beside this
script: a header p0..p63,label, then the rows in their original order. The split is stratified:
each digit's share of the test set is its share of the whole (largest remainders), the rows
drawn by random.Random(SEED). The gzip files carry no name or time, so running it again gives the
same bytes.

    python3 models/examples/digits/make_split.py [path/to/digits.csv.gz]
"""
import gzip
import io
import os
import random
import sys

SOURCE = "/usr/lib/python3/dist-packages/sklearn/datasets/data/digits.csv.gz"
SEED = 2026
TEST_ROWS = 360


def read_rows(path):
    with gzip.open(path, "rt") as f:
        rows = [[int(float(v)) for v in line.split(",")] for line in f if line.strip()]
    assert len(rows) == 1797 and all(len(r) == 65 for r in rows), "not the 1797x65 digits set"
    return rows


def test_counts(labels):
    """Rows of each class in the test set: proportional, with the largest remainders rounded up."""
    total = len(labels)
    classes = sorted(set(labels))
    exact = {c: TEST_ROWS * labels.count(c) / total for c in classes}
    counts = {c: int(exact[c]) for c in classes}
    by_remainder = sorted(classes, key=lambda c: (-(exact[c] - counts[c]), c))
    for c in by_remainder[: TEST_ROWS - sum(counts.values())]:
        counts[c] += 1
    return counts


def write(path, rows):
    text = io.StringIO()
    text.write(",".join([f"p{i}" for i in range(64)] + ["label"]) + "\n")
    for r in rows:
        text.write(",".join(str(v) for v in r) + "\n")
    with open(path, "wb") as raw, gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0) as f:
        f.write(text.getvalue().encode())


def main():
    rows = read_rows(sys.argv[1] if len(sys.argv) > 1 else SOURCE)
    labels = [r[64] for r in rows]
    rng = random.Random(SEED)
    test = set()
    for c, n in sorted(test_counts(labels).items()):
        members = [i for i, y in enumerate(labels) if y == c]
        rng.shuffle(members)
        test.update(members[:n])
    here = os.path.dirname(os.path.abspath(__file__))
    write(os.path.join(here, "digits-train.csv.gz"), [r for i, r in enumerate(rows) if i not in test])
    write(os.path.join(here, "digits-test.csv.gz"), [r for i, r in enumerate(rows) if i in test])
    print(f"{len(rows) - len(test)} train rows, {len(test)} test rows")


if __name__ == "__main__":
    main()
