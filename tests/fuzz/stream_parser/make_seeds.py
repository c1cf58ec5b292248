#!/usr/bin/env python3
"""Writes the seed corpus of fuzz-stream-parser from ../shared/harmony-golden/parse/ (the token ids
of every case, in strict and lenient mode, plus damaged variants). Input format: see
stream_parser_invariants.hpp (a flags byte, then 3 bytes per id; one value in eight picks an
"interesting" id). Run from anywhere: make_seeds.py SHARED_DIR"""
import json, pathlib, random, sys

INTERESTING = [200006, 200008, 200005, 200007, 200012, 200002, 200003, 199999, 199998, 200000,
               200013, 201087, 201088, 201089, 250000, 0xFFFFFFFF]

def encode(flags, ids):
    out = bytearray([flags])
    for i in ids:
        v = (INTERESTING.index(i) << 3) if i in INTERESTING else ((i << 3) | 1 if i < 199998 else 1)
        out += bytes([(v >> 16) & 0xFF, (v >> 8) & 0xFF, v & 0xFF])
    return bytes(out)

def main():
    shared = pathlib.Path(sys.argv[1])
    here = pathlib.Path(__file__).resolve().parent / "corpus"
    here.mkdir(exist_ok=True)
    rng = random.Random(7)
    for case in sorted((shared / "harmony-golden" / "parse").glob("*.json")):
        d = json.loads(case.read_text())
        ids = d["tokens"]
        role_bit = 2 if d["role"] else 0
        stem = case.stem[:60]
        (here / f"{stem}.strict").write_bytes(encode(1 | role_bit, ids))
        (here / f"{stem}.lenient").write_bytes(encode(role_bit, ids))
        damaged = list(ids)
        for _ in range(3):
            damaged.insert(rng.randrange(len(damaged) + 1), rng.choice(INTERESTING))
        (here / f"{stem}.damaged").write_bytes(encode(role_bit | 4 | (rng.randrange(32) << 3), damaged))

main()
