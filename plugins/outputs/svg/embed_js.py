#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# Turns flamegraph.js into a C string (fg_script) so the plugin carries its script inside.
import sys

src, dst = sys.argv[1], sys.argv[2]
with open(src, encoding='utf-8') as f:
    js = f.read()
# The script sits in a CDATA section (SVG) and a <script> element (HTML).
for bad in (']]>', '</script'):
    if bad in js:
        sys.exit('%s: must not contain %r' % (src, bad))
lines = ['// SPDX-License-Identifier: MIT',
         '/* Generated from flamegraph.js by embed_js.py: do not edit. */',
         'const char fg_script[] =']
for line in js.splitlines(True):
    esc = line.replace('\\', '\\\\').replace('"', '\\"').replace('\t', '\\t')
    lines.append('\t"%s"' % esc.replace('\n', '\\n'))
lines.append('\t"";')
with open(dst, 'w', encoding='utf-8') as f:
    f.write('\n'.join(lines) + '\n')
