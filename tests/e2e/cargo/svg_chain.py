#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# Prints "SHARE SAMPLES" for a call chain in a profile-bee SVG: of the samples in frames named
# like the chain's last function, the percentage reached through the whole chain, each frame
# directly on top of its caller (one row up, inside its caller's sample range).
import html
import re
import sys

FRAME = re.compile(r'<g fg:x="(\d+)" fg:w="(\d+)"><title>(.*?) \([\d,]+ samples?, [\d.]+%\)'
                   r'</title><rect [^>]*y="(\d+)"')


def main():
    path, chain = sys.argv[1], sys.argv[2:]
    with open(path, encoding='utf-8') as f:
        frames = [(int(x), int(w), html.unescape(name), int(y))
                  for x, w, name, y in FRAME.findall(f.read())]
    rows = sorted({y for *_, y in frames})
    step = min((b - a for a, b in zip(rows, rows[1:])), default=0)
    # Frames of the first function, then at each step the callee frames sitting on them.
    reached = [fr for fr in frames if fr[2] == chain[0]]
    for name in chain[1:]:
        reached = [fr for fr in frames if fr[2] == name and any(
            fr[3] == p[3] - step and p[0] <= fr[0] and fr[0] + fr[1] <= p[0] + p[1]
            for p in reached)]
    through = sum(fr[1] for fr in reached)
    leaf = sum(fr[1] for fr in frames if fr[2] == chain[-1])
    print(100 * through // leaf if leaf else 0, leaf)


if __name__ == '__main__':
    main()
