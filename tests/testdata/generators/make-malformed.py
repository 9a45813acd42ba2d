#!/usr/bin/env python3
"""Writes the malformed pprof inputs under tests/testdata/pprof/malformed/.

Each file is broken in exactly one way; the decoder tests name the reject reason and
message each must produce. The protobuf ones are hand-encoded from a small valid profile
(the same shape Go writes: packed location ids and values) so that only the named defect
differs. Usage: make-malformed.py <tests/testdata/pprof>  (reads go-goroutine.pb.gz there).
"""
import gzip
import os
import random
import sys


def varint(n):
    if n < 0:
        n += 1 << 64
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def field_varint(num, value):
    return varint(num << 3) + varint(value)


def field_bytes(num, data):
    return varint((num << 3) | 2) + varint(len(data)) + data


def packed(num, values):
    return field_bytes(num, b"".join(varint(v) for v in values))


def profile(strings, sample_types, samples, locations, functions, period_type=(1, 2)):
    """strings: list; sample_types: [(type, unit)]; samples: [(location_ids, values)];
    locations: [(id, [(function_id, line)])]; functions: [(id, name, filename)]."""
    out = bytearray()
    for t, u in sample_types:
        out += field_bytes(1, field_varint(1, t) + field_varint(2, u))
    for loc_ids, values in samples:
        out += field_bytes(2, packed(1, loc_ids) + packed(2, values))
    for loc_id, lines in locations:
        body = field_varint(1, loc_id)
        for fn, line in lines:
            body += field_bytes(4, field_varint(1, fn) + field_varint(2, line))
        out += field_bytes(4, body)
    for fn_id, name, filename in functions:
        out += field_bytes(5, field_varint(1, fn_id) + field_varint(2, name) + field_varint(3, name) + field_varint(4, filename))
    for s in strings:
        out += field_bytes(6, s.encode())
    out += field_varint(9, 1700000000000000000)
    out += field_bytes(11, field_varint(1, period_type[0]) + field_varint(2, period_type[1]))
    out += field_varint(12, 1)
    return bytes(out)


STRINGS = ["", "goroutine", "count", "main.main", "main.go", "main.worker"]
TYPES = [(1, 2)]
FUNCS = [(1, 3, 4), (2, 5, 4)]
LOCS = [(1, [(1, 10)]), (2, [(2, 20)])]


def gz(data):
    return gzip.compress(data, compresslevel=9, mtime=0)


def main():
    root = sys.argv[1]
    out = os.path.join(root, "malformed")
    os.makedirs(out, exist_ok=True)

    def write(name, data):
        with open(os.path.join(out, name), "wb") as f:
            f.write(data)

    with open(os.path.join(root, "go-goroutine.pb.gz"), "rb") as f:
        real = f.read()

    write("empty.pb", b"")
    # A real gzip file cut in the middle of its deflate stream.
    write("truncated.pb.gz", real[: len(real) // 2])
    # A gzip header followed by bytes that are not deflate data.
    write("corrupt-deflate.pb.gz", real[:10] + random.Random(7).randbytes(200))
    # Valid gzip whose content is not a protobuf (random bytes).
    write("garbage.pb.gz", gz(random.Random(42).randbytes(4096)))
    # Function 2's name points at string 99 of 6.
    write("string-index-out-of-range.pb.gz", gz(profile(STRINGS, TYPES, [([2, 1], [3])], LOCS, [(1, 3, 4), (2, 99, 4)])))
    # The second sample references location 99.
    write("missing-location.pb.gz", gz(profile(STRINGS, TYPES, [([2, 1], [3]), ([99, 1], [1])], LOCS, FUNCS)))
    # Location 2's line references function 42.
    write("missing-function.pb.gz", gz(profile(STRINGS, TYPES, [([2, 1], [3])], [(1, [(1, 10)]), (2, [(42, 20)])], FUNCS)))
    # Two values for one sample type.
    write("value-count-mismatch.pb.gz", gz(profile(STRINGS, TYPES, [([2, 1], [3, 4])], LOCS, FUNCS)))
    # A valid profile followed by a field of wire type 7, which protobuf does not define.
    write("bad-wire-type.pb", profile(STRINGS, TYPES, [([2, 1], [3])], LOCS, FUNCS) + varint((3 << 3) | 7))
    # A length-delimited field (a sample) that claims more bytes than the input holds.
    write("length-past-end.pb", profile(STRINGS, TYPES, [([2, 1], [3])], LOCS, FUNCS) + varint((2 << 3) | 2) + varint(1000) + b"\x0a\x01")


if __name__ == "__main__":
    main()
