// SPDX-License-Identifier: MIT
// profile-bee --serve on a live fixture: endpoints, 50 streaming clients, and the page in Chromium.
import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ok, diag, done, need, needRoot, sleep, startPb, waitStderr, stopPb } from './tap.mjs';

const PB = process.env.PB, FIXTURE = process.argv[2];
needRoot(PB);
need(FIXTURE && existsSync(FIXTURE), 'the fixture was not built');
need(existsSync('/usr/bin/chromium'), 'needs /usr/bin/chromium (Debian package chromium)');
let chromium;
try {
	({ chromium } = await import('playwright-core'));
} catch (e) {
	need(false, 'needs playwright-core (run .ci/setup.d/http.sh)');
}

// A raw GET, path sent exactly as given (fetch would fold "/../").
function rawGet(port, path) {
	return new Promise((resolve) => {
		const req = http.request({ host: '127.0.0.1', port, path, method: 'GET' }, (res) => {
			let body = '';
			res.on('data', (d) => { body += d; });
			res.on('end', () => resolve({ status: res.statusCode, body, type: res.headers['content-type'] }));
		});
		req.on('error', () => resolve({ status: 0, body: '' }));
		req.end();
	});
}

// Opens n /events streams; resolves with how many saw a window event within ms.
async function streams(port, n, ms) {
	const seen = new Array(n).fill(false), reqs = [];
	for (let i = 0; i < n; i++) {
		const req = http.get({ host: '127.0.0.1', port, path: '/events' }, (res) => {
			let buf = '';
			res.on('data', (d) => {
				buf += d;
				if (buf.includes('event: window')) seen[i] = true;
			});
		});
		req.on('error', () => {});
		reqs.push(req);
	}
	const end = Date.now() + ms;
	while (Date.now() < end && seen.some((s) => !s)) await sleep(50);
	for (const r of reqs) r.destroy(); // gone mid-stream, without a goodbye
	return seen.filter(Boolean).length;
}

const pb = startPb(PB, ['--serve', '--listen', '127.0.0.1:0', '--stream-mode', '1', '--', FIXTURE]);
const m = await waitStderr(pb, /http:\/\/127\.0\.0\.1:(\d+)\//, 20000);
if (!ok(m, 'profile-bee --serve says where it listens')) {
	diag(pb.stderr);
	await stopPb(pb, 5000);
	done();
}
const port = Number(m[1]);
await sleep(1500);

let r = await rawGet(port, '/folded');
ok(r.status === 200 && /http_fixture_outer;http_fixture_spin;http_fixture_work/.test(r.body),
	'/folded has the fixture chain, root to leaf');
r = await rawGet(port, '/json');
let tree = null;
try { tree = JSON.parse(r.body).tree; } catch (e) { /* reported below */ }
ok(tree && tree.name === 'all' && tree.value > 0, `/json is a tree of ${tree ? tree.value : 0} samples`);
r = await rawGet(port, '/svg');
ok(r.status === 200 && r.body.includes('<svg') && r.body.includes('http_fixture_spin'), '/svg draws the fixture');
for (const path of ['/../../etc/passwd', '/%2e%2e/%2e%2e/etc/passwd', '/flame.js/../../../etc/passwd', '/missing']) {
	r = await rawGet(port, path);
	ok(r.status === 404 && !r.body.includes('root:'), `${path} is 404`);
}

const got = await streams(port, 50, 8000);
ok(got === 50, `50 streaming clients at once all got a live window (${got})`);

const dir = mkdtempSync(join(tmpdir(), 'pb-chromium-'));
const ctx = await chromium.launchPersistentContext(dir, {
	executablePath: '/usr/bin/chromium',
	headless: true,
	args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
		'--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
// The page must work offline: anything not from our server is refused and counted.
const foreign = [];
await ctx.route('**/*', (route) => {
	const u = new URL(route.request().url());
	if (u.hostname === '127.0.0.1' && Number(u.port) === port) return route.continue();
	foreign.push(u.href);
	return route.abort();
});
try {
	const page = await ctx.newPage();
	const errors = [];
	page.on('pageerror', (e) => errors.push(String(e)));
	await page.goto(`http://127.0.0.1:${port}/`);
	const spin = '#flame g.f[data-name="http_fixture_spin"]';
	await page.waitForSelector(spin, { timeout: 15000 }).catch(() => {});
	ok(await page.locator(spin).count() > 0, 'the page draws the fixture\'s frames');
	const frames = await page.locator('#flame g.f').count();
	ok(frames >= 4, `${frames} frames drawn`);

	const updates = async () => Number(await page.locator('#status').getAttribute('data-updates'));
	const samples = async () => Number(await page.locator('#status').getAttribute('data-samples'));
	const u0 = await updates(), s0 = await samples();
	await sleep(3000);
	const u1 = await updates(), s1 = await samples();
	ok(u1 - u0 >= 4, `live updates every 500 ms: ${u1 - u0} in 3 s`);
	ok(s1 > s0, `the sample count grows (${s0} -> ${s1})`);

	await page.fill('#search', 'http_fixture_(spin|work)');
	const matched = await page.locator('#matched').textContent();
	ok(/^Matched: \d/.test(matched) && await page.locator('#flame g.f.match').count() >= 2,
		`search highlights frames (${matched})`);
	await page.fill('#search', '');

	await page.locator(spin).first().hover();
	const tip = await page.locator('#tip').textContent();
	ok(/http_fixture_spin \([\d,]+ samples, [\d.]+%\)/.test(tip), `tooltip: ${tip}`);

	await page.locator(spin).first().click();
	ok(await page.locator('#unzoom').isEnabled(), 'clicking a frame zooms into it');
	const w = await page.locator(`${spin}:not(.dim) rect`).first().getAttribute('width');
	ok(Number(w) > (await page.locator('#flame').evaluate((e) => e.clientWidth)) * 0.95,
		`the zoomed frame spans the width (${w})`);
	await page.click('#unzoom');

	await page.click('#pause');
	const before = await page.locator('#flame').innerHTML();
	const up0 = await updates();
	await sleep(1500);
	ok(await page.locator('#flame').innerHTML() === before && await updates() > up0,
		'paused: the graph holds still while updates keep coming');
	await page.click('#pause');

	await page.click('#reset');
	const afterReset = await samples();
	ok(afterReset < s1, `reset starts the count over (${afterReset})`);
	await page.selectOption('#mode', 'window');
	await sleep(1200);
	const win = await samples();
	ok(win > 0 && win < 200, `latest-window mode shows one window's samples (${win})`);

	ok(errors.length === 0, `no page errors${errors.length ? ': ' + errors.join('; ') : ''}`);
	ok(foreign.length === 0, `nothing loaded from elsewhere${foreign.length ? ': ' + foreign.join(' ') : ''}`);
} finally {
	await ctx.close();
	rmSync(dir, { recursive: true, force: true });
}

const t = Date.now();
const code = await stopPb(pb, 10000);
ok(code === 0, `Ctrl-C ends profile-bee cleanly (exit ${code}, ${Date.now() - t} ms)`);
if (code !== 0) diag(pb.stderr);
done();
