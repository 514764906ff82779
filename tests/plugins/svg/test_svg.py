#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# The svg output through the CLI and the session API: valid, proportional, escaped, deterministic.
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET

PB, RENDER = sys.argv[1], sys.argv[2]
NS = {'s': 'http://www.w3.org/2000/svg'}
FGX = '{urn:x-profile-bee:flamegraph}x'
FGW = '{urn:x-profile-bee:flamegraph}w'
tmp = tempfile.mkdtemp(prefix='pb-svg-test.')
results = []


def ok(cond, what):
    results.append(bool(cond))
    first, *rest = str(what).split('\n')  # further lines (pasted stderr) as TAP comments
    print('%s %d - %s' % ('ok' if cond else 'not ok', len(results), first), flush=True)
    for line in rest:
        print('# ' + line, flush=True)
    return cond


def path(name):
    return os.path.join(tmp, name)


def write(name, data):
    with open(path(name), 'wb') as f:
        f.write(data if isinstance(data, bytes) else data.encode())
    return path(name)


def run(args):
    return subprocess.run(args, capture_output=True)


def cli(*args):
    return run([PB] + list(args))


def render(settings, src, *outs):
    return run([RENDER, settings, src] + [path(o) for o in outs])


def frames(svg_path):
    """Every frame of a graph: name, samples (from the title), x/w in samples, rect geometry."""
    root = ET.parse(svg_path).getroot()
    out = []
    for g in root.find(".//s:svg[@id='frames']", NS).findall('s:g', NS):
        title = g.find('s:title', NS).text
        rect = g.find('s:rect', NS)
        m = re.match(r'^(.*) \(([\d,]+) [^,]+, ([\d.]+)%', title, re.S)
        out.append({'name': m.group(1), 'samples': int(m.group(2).replace(',', '')),
                    'x': int(g.get(FGX)), 'w': int(g.get(FGW)),
                    'rx': float(rect.get('x').rstrip('%')),
                    'rw': float(rect.get('width').rstrip('%')),
                    'y': int(rect.get('y')), 'fill': rect.get('fill'),
                    'label': g.find('s:text', NS).text or ''})
    return root, out


def parse_folded(text):
    stacks = {}
    for line in text.splitlines():
        if line.strip():
            stack, count = line.rsplit(' ', 1)
            stacks[stack] = stacks.get(stack, 0) + int(count)
    return stacks


def samples_under(stacks, prefix):
    """Samples of stacks that start with the frames of prefix (a list)."""
    return sum(c for s, c in stacks.items() if s.split(';')[:len(prefix)] == prefix)


def rgb(fill):
    return tuple(int(v) for v in re.match(r'rgb\((\d+),(\d+),(\d+)\)', fill).groups())


# A profile with shapes that matter: shared prefixes, self time, C++ names, kernel frames.
rng = random.Random(7)
lines = []
funcs = ['main', 'run', 'parse', 'std::vector<int>::push_back', 'compute', 'io_wait', 'leaf']
for i in range(400):
    depth = rng.randint(1, 7)
    stack = [rng.choice(['app', 'worker'])] + [rng.choice(funcs) for _ in range(depth)]
    if rng.random() < 0.3:
        stack += ['do_syscall_64_[k]', rng.choice(['vfs_read_[k]', 'schedule_[k]'])]
    lines.append('%s %d' % (';'.join(stack), rng.randint(1, 50)))
lines.append('app;main;tiny_frame 1')
lines.append('app;main;huge_frame 200000')
base_text = '\n'.join(lines) + '\n'
src = write('in.folded', base_text)
stacks = parse_folded(base_text)
total = sum(stacks.values())

print('TAP version 13', flush=True)

# 1. Several outputs in one run.
r = cli('--input', src, '-o', path('a.svg'), '-o', path('a.folded'), '-o', path('a.json'),
        '-o', path('a.html'))
ok(r.returncode == 0, 'one run writes .svg, .folded, .json and .html (%s)' % r.stderr.decode()[-200:])
ok(all(os.path.getsize(path(n)) > 0 for n in ('a.svg', 'a.folded', 'a.json', 'a.html')),
   'every output file is there')
ok(parse_folded(open(path('a.folded')).read()) == stacks, 'the folded output beside it is the input')

# 2. Valid XML, self-contained.
if shutil.which('xmllint'):
    ok(run(['xmllint', '--noout', path('a.svg')]).returncode == 0, 'xmllint accepts the SVG')
elif os.environ.get('PB_TEST_NO_SKIP') == '1':
    ok(False, 'xmllint is missing (libxml2-utils)')
else:
    print('ok %d - # SKIP xmllint missing' % (len(results) + 1))
    results.append(True)
svg_text = open(path('a.svg')).read()
ok(not re.search(r'(href|src)="(?!#)', svg_text) and '<image' not in svg_text
   and '@import' not in svg_text and 'url(http' not in svg_text,
   'the SVG links nothing outside itself')
root, fr = frames(path('a.svg'))
ok(root.find(".//s:script", NS) is not None and 'function zoom' in svg_text,
   'the SVG carries its script')

# 3. Widths proportional to counts, frames where their counts put them.
all_frame = fr[0]
ok(all_frame['name'] == 'all' and all_frame['samples'] == total and all_frame['w'] == total,
   'the root frame holds every sample (%d)' % total)
ok(all(abs(f['rw'] - 100.0 * f['w'] / total) < 1e-3 and f['w'] == f['samples'] for f in fr),
   'every rect width is its share of the samples')
ok(all(abs(f['rx'] - 100.0 * f['x'] / total) < 1e-3 for f in fr), 'every rect x is its offset')
huge = [f for f in fr if f['name'] == 'huge_frame']
ok(len(huge) == 1 and huge[0]['samples'] == samples_under(stacks, ['app', 'main', 'huge_frame']),
   'a frame reports the samples of the stacks through it')
app = [f for f in fr if f['name'] == 'app' and f['y'] == fr[0]['y'] - 16]
ok(len(app) == 1 and app[0]['samples'] == samples_under(stacks, ['app']),
   'a process frame sums all its stacks')
ok(not any(f['name'] == 'tiny_frame' for f in fr),
   'a frame under the minimum width is left out')
kernel = [f for f in fr if f['name'].endswith('_[k]')]
user = [f for f in fr if not f['name'].endswith('_[k]') and f['name'] != 'all']
ok(kernel and not ({f['fill'] for f in kernel} & {f['fill'] for f in user}) and
   all(rgb(f['fill'])[2] > rgb(f['fill'])[0] for f in kernel),
   'kernel frames have their own colour')
labels = [f for f in fr if f['label']]
ok(labels and all(f['label'] == f['name'] or f['label'].endswith('..') for f in labels) and
   any(f['label'].endswith('..') for f in labels), 'labels fit their frames, cut with ..')

# 4. Determinism: same profile, same bytes, whatever the input order.
shuffled = lines[:]
rng.shuffle(shuffled)
src2 = write('shuffled.folded', '\n'.join(shuffled) + '\n')
cli('--input', src2, '-o', path('b.svg'), '-o', path('b.json'), '-o', path('b.html'))
ok(all(open(path('a.' + e), 'rb').read() == open(path('b.' + e), 'rb').read()
       for e in ('svg', 'json', 'html')), 'the same profile gives the same bytes')

# 5. Escaping: templates, markup characters, quotes, bytes that are not UTF-8.
nasty = [b'std::map<K, V>::operator[]', b'a&b', b'say "hi"', b"it's", b'bad\xff\xfe',
         b'tab\tctl\x01', b'caf\xc3\xa9', b']]>']
esc_src = write('esc.folded', b''.join(b'app;' + n + b' 10\n' for n in nasty))
r = cli('--input', esc_src, '-o', path('esc.svg'), '-o', path('esc.json'), '-o', path('esc.html'))
ok(r.returncode == 0, 'names that need escaping render')
try:
    _, efr = frames(path('esc.svg'))
    names = {f['name'] for f in efr}
    ok(all(n.decode() in names for n in nasty if b'\xff' not in n and b'\x01' not in n
           and b'\t' not in n), 'names survive escaping as they were')
    ok('bad\ufffd\ufffd' in names and 'tab\ufffdctl\ufffd' in names,
       'invalid UTF-8 and control bytes become U+FFFD')
except ET.ParseError as e:
    ok(False, 'escaped SVG parses: %s' % e)
    ok(False, 'invalid bytes replaced')
try:
    tree = json.load(open(path('esc.json'), encoding='utf-8'))
    jn = {c['name'] for c in tree['children'][0]['children']}
    ok('std::map<K, V>::operator[]' in jn and 'bad\ufffd\ufffd' in jn, 'JSON escapes the same names')
except ValueError as e:
    ok(False, 'JSON parses: %s' % e)

# 6. JSON: d3-flame-graph's tree.
tree = json.load(open(path('a.json')))


def check_tree(node):
    kids = node.get('children', [])
    # d3-flame-graph colours kernel frames by libtype; only _[k] frames carry it.
    kernel = node['name'].endswith('_[k]')
    return (set(node) <= {'name', 'value', 'children', 'libtype'} and
            (node.get('libtype') == 'kernel') == kernel and
            sum(k['value'] for k in kids) <= node['value'] and all(check_tree(k) for k in kids))


ok(tree['name'] == 'all' and tree['value'] == total and check_tree(tree),
   'JSON is a tree of name/value/children whose values sum up, _[k] frames libtype kernel')
app_json = [c for c in tree['children'] if c['name'] == 'app']
ok(app_json and app_json[0]['value'] == samples_under(stacks, ['app']), 'JSON values are counts')

# 7. HTML: one self-contained page with the same graph.
html = open(path('a.html')).read()
ok(html.startswith('<!DOCTYPE html>') and '<svg' in html and 'function zoom' in html and
   not re.search(r'(href|src)="(?!#)', html), 'HTML is one page with the graph and its script')

# 8. Settings through the config-key table.
r = render('title=My <Title>,subtitle=sub & more,width=600,count-name=ticks', src, 'o.svg')
ok(r.returncode == 0, 'settings are accepted (%s)' % r.stderr.decode()[-200:])
oroot, ofr = frames(path('o.svg'))
texts = {t.get('id'): t.text for t in oroot.findall('s:text', NS)}
ok(texts.get('title') == 'My <Title>' and texts.get('subtitle') == 'sub & more',
   'title and subtitle are shown')
ok(oroot.get('width') == '600' and 'ticks' in ET.tostring(oroot, encoding='unicode'),
   'width and count name are applied')
render('inverted=true', src, 'inv.svg')
iroot, ifr = frames(path('inv.svg'))
ok(ifr[0]['y'] < min(f['y'] for f in ifr[1:]) and
   iroot.find("s:text[@id='title']", NS).text == 'Icicle Graph', 'inverted puts the root on top')
render('reverse=true,min-width=0', src, 'rev.svg')
_, rfr = frames(path('rev.svg'))
depth1 = {f['name'] for f in rfr if f['y'] == rfr[0]['y'] - 16}
leaves = {s.split(';')[-1] for s in stacks}
ok(depth1 == leaves, 'reverse puts the leaves at the bottom')
render('min-width=0', src, 'all.svg')
_, afr = frames(path('all.svg'))
ok(any(f['name'] == 'tiny_frame' for f in afr), 'min-width=0 keeps every frame')
render('palette=mem', src, 'mem.svg')
_, mfr = frames(path('mem.svg'))
ok({f['fill'] for f in mfr if f['name'] == 'main'} != {f['fill'] for f in fr if f['name'] == 'main'},
   'another palette, other colours')
# The same name keeps its colour in another profile.
other = write('other.folded', 'zzz;compute 5\nzzz;main;compute 7\n')
cli('--input', other, '-o', path('other.svg'))
_, ofr2 = frames(path('other.svg'))
col = {f['name']: f['fill'] for f in fr}
ok(all(col[f['name']] == f['fill'] for f in ofr2 if f['name'] in col and f['name'] != 'all'),
   'a name keeps its colour across profiles')
r = render('palette=nope', src, 'bad.svg')
ok(r.returncode != 0 and b'palette' in r.stderr and not os.path.exists(path('bad.svg')),
   'an unknown palette is an error that names the setting')

# 9. Differential flame graph: width from "after", red grows, blue shrinks.
before = write('before.folded', 'app;main;grow 10\napp;main;shrink 50\napp;main;same 20\n')
after = write('after.folded', 'app;main;grow 60\napp;main;shrink 5\napp;main;same 20\n')
r = render('diff-base=' + before, after, 'diff.svg', 'diff.json')
ok(r.returncode == 0, 'a diff renders (%s)' % r.stderr.decode()[-200:])
_, dfr = frames(path('diff.svg'))
d = {f['name']: f for f in dfr}
ok(d['grow']['samples'] == 60 and d['shrink']['samples'] == 5, 'diff widths follow the new profile')
g, s_, same = rgb(d['grow']['fill']), rgb(d['shrink']['fill']), rgb(d['same']['fill'])
ok(g[0] == 255 and g[1] < 255 and g[2] < 255, 'a frame that grew is red')
ok(s_[2] == 255 and s_[0] < 255, 'a frame that shrank is blue')
ok(same == (255, 255, 255), 'an unchanged frame is white')
dj = json.load(open(path('diff.json')))
main_j = dj['children'][0]['children'][0]
ok({c['name']: c['delta'] for c in main_j['children']} == {'grow': 50, 'shrink': -45, 'same': 0},
   'JSON carries deltas')
r = cli('--input', before, '--diff', after, '-o', path('diff-cli.svg'))
_, cfr = frames(path('diff-cli.svg'))
ok(r.returncode == 0 and {f['name']: f['fill'] for f in cfr} == {f['name']: f['fill'] for f in dfr},
   'profile-bee --input BEFORE --diff AFTER draws the same diff')
r = render('diff-base=' + path('missing.folded'), after, 'diff2.svg')
ok(r.returncode != 0 and b'missing.folded' in r.stderr, 'a missing diff base is reported')

# 10. A larger profile: every frame drawn is at least the minimum width, and it is quick.
big = ['p%d;%s %d' % (i % 7, ';'.join('f%d' % rng.randrange(300) for d in range(5 + i % 30)),
                      rng.randint(1, 9)) for i in range(20000)]
big_src = write('big.folded', '\n'.join(big) + '\n')
t0 = time.monotonic()
r = cli('--input', big_src, '-o', path('big.svg'))
took = time.monotonic() - t0
_, bfr = frames(path('big.svg'))
btotal = bfr[0]['w']
ok(r.returncode == 0 and all(f['w'] * 1180.0 / btotal >= 0.1 for f in bfr),
   'a 20k-stack profile draws no frame under 0.1 px (%d frames)' % len(bfr))
ok(took < 10, 'and renders in %.2f s' % took)

print('1..%d' % len(results))
shutil.rmtree(tmp, ignore_errors=True)
sys.exit(0 if all(results) else 1)
