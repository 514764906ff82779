#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# Sampling into .svg, .folded and .json at once: all three tell the same totals (root + BPF).
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET

PB = os.environ['PB']
NS = {'s': 'http://www.w3.org/2000/svg'}
n = 0
failed = 0


def ok(cond, what):
    global n, failed
    n += 1
    failed += not cond
    first, *rest = str(what).split('\n')  # further lines (pasted stderr) as TAP comments
    print('%s %d - %s' % ('ok' if cond else 'not ok', n, first), flush=True)
    for line in rest:
        print('# ' + line, flush=True)


if os.geteuid() != 0:
    if os.environ.get('PB_TEST_NO_SKIP') == '1':
        print('1..1\nnot ok 1 - needs root for BPF (PB_TEST_NO_SKIP=1 forbids skipping)')
        sys.exit(1)
    print('1..0 # SKIP needs root for BPF')
    sys.exit(0)  # meson's TAP reader takes the plan's SKIP; 77 would read as an error

tmp = tempfile.mkdtemp(prefix='pb-e2e-svg.')
out = {e: os.path.join(tmp, 'p.' + e) for e in ('svg', 'folded', 'json', 'html')}
print('TAP version 13')
busy = 'i=0; while [ $i -lt 400000 ]; do i=$((i+1)); done'
r = subprocess.run([PB, '-F', '499'] + sum((['-o', p] for p in out.values()), []) +
                   ['--', 'sh', '-c', busy], capture_output=True, timeout=120)
ok(r.returncode == 0, 'profiling a command writes four outputs (%s)' % r.stderr.decode()[-300:])
folded_total = 0
for line in open(out['folded']):
    folded_total += int(line.rsplit(' ', 1)[1])
root = ET.parse(out['svg']).getroot()
gs = root.find(".//s:svg[@id='frames']", NS).findall('s:g', NS)
titles = [g.find('s:title', NS).text for g in gs]
all_samples = int(re.match(r'all \(([\d,]+) ', titles[0]).group(1).replace(',', ''))
ok(folded_total > 0 and all_samples == folded_total,
   'the SVG root holds the folded total (%d)' % folded_total)
ok(any(t.startswith('sh (') for t in titles), 'the profiled command has its frame')
tree = json.load(open(out['json']))
ok(tree['value'] == folded_total, 'the JSON root holds it too')
ok(open(out['html']).read().count('<g ') == len(gs), 'the HTML page draws the same frames')
shutil.rmtree(tmp, ignore_errors=True)
print('1..%d' % n)
sys.exit(1 if failed else 0)
