// SPDX-License-Identifier: MIT
// The .json in d3-flame-graph 5 itself, in headless Chromium: frames, widths, names, kernel colour.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ok, diag, done, need } from '../../e2e/http/tap.mjs';

const [pb] = process.argv.slice(2);
const chromium = process.env.PB_CHROMIUM || '/usr/bin/chromium';
const modules = join(dirname(fileURLToPath(import.meta.url)), 'node_modules');
const files = {
	'/d3.js': join(modules, 'd3/dist/d3.min.js'),
	'/d3-flamegraph.js': join(modules, 'd3-flame-graph/dist/d3-flamegraph.umd.js'),
	'/d3-flamegraph.css': join(modules, 'd3-flame-graph/dist/d3-flamegraph.css'),
};
const npmCi = 'npm ci in tests/plugins/svg';

let playwright;
try {
	playwright = await import('playwright-core');
} catch (e) {
	need(false, `playwright-core is not installed (${npmCi})`);
}
need(Object.values(files).every(existsSync), `d3 and d3-flame-graph are not installed (${npmCi})`);
const fgVersion = JSON.parse(readFileSync(join(modules, 'd3-flame-graph/package.json'))).version;
need(/^5\./.test(fgVersion), `d3-flame-graph ${fgVersion} is installed, not 5.x (${npmCi})`);
need(existsSync(chromium), `no browser at ${chromium} (apt-get install chromium)`);

// User frames over kernel ones (_[k]), a kernel-only stack, and one kernel function reached
// along three paths so that search has work to do.
const stacks = {
	'app;main;parse;read_file;__x64_sys_read_[k];ksys_read_[k];vfs_read_[k]': 40,
	'app;main;parse;tokenize': 20,
	'app;main;compute;crunch': 25,
	'app;main;compute;crunch;__x64_sys_write_[k];vfs_write_[k]': 15,
	'app;main': 5,
	'worker;loop;read_file;__x64_sys_read_[k];ksys_read_[k];vfs_read_[k]': 30,
	'kworker/0:1;worker_thread_[k];process_one_work_[k]': 12,
	'kworker/0:1;worker_thread_[k];process_one_work_[k];vfs_read_[k]': 3,
};
const total = Object.values(stacks).reduce((a, b) => a + b, 0);
// Every frame the chart should draw, by its path from the root "all": samples at or under it.
const want = new Map([['all', total]]);
for (const [s, c] of Object.entries(stacks)) {
	const names = s.split(';');
	for (let i = 1; i <= names.length; i++) {
		const p = ['all', ...names.slice(0, i)].join(';');
		want.set(p, (want.get(p) || 0) + c);
	}
}
const isKernel = (name) => name.endsWith('_[k]');
const WIDTH = 1200;

console.log('TAP version 13');
const dir = mkdtempSync(join(tmpdir(), 'pb-d3-flamegraph.'));
const input = join(dir, 'in.folded');
writeFileSync(input, Object.entries(stacks).map(([s, c]) => `${s} ${c}\n`).join(''));
const r = spawnSync(pb, ['--input', input, '-o', join(dir, 'g.json')]);
if (!ok(r.status === 0, 'profile-bee writes the .json')) {
	diag(r.stderr);
	done();
}
files['/profile.json'] = join(dir, 'g.json');

// The page a d3-flame-graph user writes: the chart, a details line, a search box.
const page = `<!doctype html><html><head><meta charset="utf-8"><link rel="icon" href="data:,">
<link rel="stylesheet" href="/d3-flamegraph.css"></head><body>
<form id="form"><input id="term"><button>Search</button></form>
<div id="chart"></div><div id="details"></div>
<script src="/d3.js"></script><script src="/d3-flamegraph.js"></script>
<script>
const chart = flamegraph.default().width(${WIDTH})
	.setDetailsElement(document.getElementById('details'));
document.getElementById('form').addEventListener('submit', (e) => {
	e.preventDefault();
	chart.search(document.getElementById('term').value);
});
d3.json('/profile.json').then((data) => {
	d3.select('#chart').datum(data).call(chart);
	window.loaded = true;
}, (e) => console.error('loading the profile: ' + e));
</script></body></html>`;

// Loopback only, and only the files above.
const errors = [];
const server = http.createServer((req, res) => {
	if (req.url === '/') {
		res.writeHead(200, { 'content-type': 'text/html' }).end(page);
	} else if (files[req.url]) {
		const type = req.url.endsWith('.css') ? 'text/css' :
			req.url.endsWith('.json') ? 'application/json' : 'text/javascript';
		res.writeHead(200, { 'content-type': type }).end(readFileSync(files[req.url]));
	} else {
		errors.push(`served no ${req.url}`);
		res.writeHead(404).end();
	}
});
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const url = `http://127.0.0.1:${server.address().port}/`;

const browser = await playwright.chromium.launch({
	executablePath: chromium,
	args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
		'--disable-background-networking', '--disable-component-update', '--disable-sync'],
});

// Waits for d3's transitions (widths grow in, labels come last) to end everywhere.
async function settled(p) {
	await p.waitForFunction(() => window.loaded &&
		[...document.querySelectorAll('#chart *')].every((e) => !e.__transition),
	null, { timeout: 10000 });
}

// The frames as drawn: name, position, width, fill, tooltip and label; each one's path found
// as a user reads it, through the frames below it that span it.
async function frames(p) {
	const fs = await p.$$eval('#chart g.frame', (gs) => gs.map((g) => {
		const xy = g.getAttribute('transform').match(/translate\(([-\d.e]+),([-\d.e]+)\)/);
		const rect = g.querySelector('rect'), label = g.querySelector('foreignObject div');
		const shown = getComputedStyle(label).display !== 'none';
		return {
			name: g.getAttribute('name'), x: +xy[1], y: +xy[2],
			w: +rect.getAttribute('width'), fill: rect.getAttribute('fill'),
			title: g.querySelector('title').textContent,
			label: shown ? label.textContent : null,
		};
	}));
	// A parent is one row (d3-flame-graph's 18 px) below.
	const pathOf = (f) => {
		const parent = fs.find((q) => Math.abs(q.y - (f.y + 18)) < 0.5 &&
			q.x <= f.x + 0.01 && q.x + q.w >= f.x + f.w - 0.01);
		return parent ? pathOf(parent) + ';' + f.name : f.name;
	};
	for (const f of fs)
		f.path = pathOf(f);
	return fs;
}

// d3-flame-graph 5 (colorHash, calculateColor): frames with libtype "kernel" take the "orange"
// hue, rgb(190 + 65v, 90 + 65v, 0) for v in [0, 1] hashed from the name; frames without a
// libtype the "warm" one, rgb(200 + 55v, 230(1 - v), 55(1 - v)): never red - green = 100, no blue.
function isOrange(fill) {
	const m = /^rgb\((\d+),(\d+),(\d+)\)$/.exec(fill);
	return !!m && +m[3] === 0 && +m[1] - +m[2] === 100 && +m[1] >= 190 && +m[1] <= 255;
}

// "; a; b" for what failed, or nothing.
const list = (xs, fmt) => xs.map((x) => '; ' + fmt(x)).join('');

try {
	const p = await browser.newPage({ viewport: { width: WIDTH + 100, height: 600 } });
	p.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
	p.on('pageerror', (e) => errors.push(e.message));
	p.on('requestfailed', (req) => errors.push(`request ${req.url()}`));
	await p.goto(url);
	await settled(p);
	let fs = await frames(p);

	const drawn = new Map(fs.map((f) => [f.path, f]));
	const missing = [...want.keys()].filter((k) => !drawn.has(k));
	const extra = fs.filter((f) => !want.has(f.path)).map((f) => f.path);
	ok(fs.length === want.size && !missing.length && !extra.length,
		`every frame of the input is drawn once, in place (${fs.length} of ${want.size})` +
		list(missing, (k) => 'missing ' + k) + list(extra, (k) => 'extra ' + k));

	const px = (c) => c / total * WIDTH;
	const badWidth = [...want].filter(([k, c]) =>
		drawn.has(k) && Math.abs(drawn.get(k).w - px(c)) > 0.01);
	ok(!badWidth.length, `widths are proportional to counts (${WIDTH} px, ${total} samples)` +
		list(badWidth, ([k, c]) => `${k}: ${drawn.get(k).w} px for ${c}`));
	const appRead = 'all;app;main;parse;read_file;__x64_sys_read_[k];ksys_read_[k];' +
		'vfs_read_[k]';
	for (const k of [appRead, 'all;worker;loop;read_file', 'all;app;main;compute;crunch',
		'all;kworker/0:1;worker_thread_[k];process_one_work_[k];vfs_read_[k]']) {
		const c = want.get(k), f = drawn.get(k), names = k.split(';');
		ok(f && Math.abs(f.w - px(c)) < 0.01, `${names.pop()} under ${names[1]}: ` +
			`${f ? f.w.toFixed(2) : 'no'} px for ${c} of ${total} samples`);
	}

	const share = (c) => (100 * c / total).toFixed(3);
	const badTitle = fs.filter((f) =>
		f.title !== `${f.name} (${share(want.get(f.path))}%, ${want.get(f.path)} samples)`);
	ok(!badTitle.length, 'each frame\'s tooltip names it with its share and samples' +
		list(badTitle, (f) => `"${f.title}"`));
	const labelled = fs.filter((f) => f.w >= 35);
	const badLabel = labelled.filter((f) => f.label !== f.name);
	ok(labelled.length >= 15 && !badLabel.length, 'frames wide enough for a label show their ' +
		`name (${labelled.length} of ${fs.length})` + list(badLabel, (f) => f.label));

	const kernel = fs.filter((f) => isKernel(f.name));
	const user = fs.filter((f) => !isKernel(f.name));
	const kernelNot = kernel.filter((f) => !isOrange(f.fill));
	ok(kernel.length === 11 && !kernelNot.length, 'kernel frames are d3-flame-graph\'s ' +
		`kernel orange (${kernel.length - kernelNot.length} of ${kernel.length})` +
		list(kernelNot, (f) => `${f.name} ${f.fill}`));
	const userNot = user.filter((f) => isOrange(f.fill));
	ok(user.length === 12 && !userNot.length,
		`user frames are not (${user.length - userNot.length} of ${user.length})` +
		list(userNot, (f) => `${f.name} ${f.fill}`));

	// Hovering a kernel frame puts its details in the details line.
	const vfs = fs.findIndex((f) => f.path === appRead);
	await p.locator('#chart g.frame').nth(vfs).locator('rect').hover();
	const details = await p.locator('#details').textContent();
	const wantDetails = `vfs_read_[k] (${share(40)}%, 40 samples)`;
	ok(details === wantDetails, `hovering a frame shows "${details}" (want "${wantDetails}")`);
	await p.mouse.move(0, 0);

	// Search through the page's box: the matches turn d3-flame-graph's highlight colour.
	await p.locator('#term').fill('^vfs_');
	await p.locator('#term').press('Enter');
	await settled(p);
	fs = await frames(p);
	const hits = fs.filter((f) => f.fill === '#E600E6');
	const wantHits = fs.filter((f) => /^vfs_/.test(f.name));
	ok(wantHits.length === 4 && hits.length === wantHits.length &&
		hits.every((f) => /^vfs_/.test(f.name)),
		'search highlights exactly the matching frames' + list(hits, (f) => f.name));
	const matched = 40 + 15 + 30 + 3;
	const wantSearch = `search: ${matched} of ${total} total samples ( ${share(matched)}%)`;
	const search = await p.locator('#details').textContent();
	ok(search === wantSearch, `the details line says "${search}"`);
	const recoloured = fs.filter((f) =>
		!hits.includes(f) && isOrange(f.fill) !== isKernel(f.name));
	ok(!recoloured.length, 'frames search did not match keep their colours' +
		list(recoloured, (f) => `${f.name} ${f.fill}`));

	ok(!errors.length, `no console errors${errors.length ? ': ' + errors.join('; ') : ''}`);
	await p.close();
} catch (e) {
	ok(false, `browser session: ${e.message}`);
} finally {
	await browser.close();
	server.close();
	rmSync(dir, { recursive: true, force: true });
}
done();
