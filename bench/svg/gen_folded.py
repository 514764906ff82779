#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# Writes a synthetic folded profile: N unique stacks, depths 5-40, shaped like a real call tree.
import random
import sys


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 100000
    seed = int(sys.argv[2]) if len(sys.argv) > 2 else 1
    rng = random.Random(seed)
    # A pool of names of realistic length, some C++-looking, some kernel frames.
    words = ["alloc", "buffer", "cache", "decode", "encode", "flush", "hash", "index", "json",
             "lookup", "merge", "parse", "queue", "read", "render", "request", "scan", "send",
             "sort", "table", "update", "write", "worker", "stream", "vector", "string"]
    names = []
    for i in range(6000):
        a, b = rng.choice(words), rng.choice(words)
        if i % 10 == 0:
            names.append("ns::%s<%s>::f%d" % (a, b, i))
        else:
            names.append("%s_%s%d" % (a, b[:3], i))
    kernel = ["%s_%d_[k]" % (rng.choice(words), i) for i in range(800)]
    comms = ["app%d" % i for i in range(12)]
    # Children of a node come from a small per-node set so stacks share prefixes, as real
    # programs do; the set is derived from the parent name to keep the file stable.
    seen = set()
    out = sys.stdout
    while len(seen) < n:
        depth = rng.randint(5, 40)
        kdepth = rng.randint(0, min(8, depth - 2)) if rng.random() < 0.3 else 0
        frames = [rng.choice(comms)]
        cur = sum(map(ord, frames[0]))
        for d in range(depth - 1 - kdepth):
            fan = 3 if d < 6 else 12
            cur = (cur * 31 + rng.randrange(fan) + d * 7919) % len(names)
            frames.append(names[cur])
        for d in range(kdepth):
            frames.append(kernel[(cur + d * 131 + rng.randrange(4)) % len(kernel)])
        line = ";".join(frames)
        if line in seen:
            continue
        seen.add(line)
        out.write("%s %d\n" % (line, rng.randint(1, 500)))


if __name__ == "__main__":
    main()
