// SPDX-License-Identifier: MIT
// The flame graph in real headless Chromium: click to zoom, reset, search, no script errors.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const [pb] = process.argv.slice(2);
const chromium = process.env.PB_CHROMIUM || '/usr/bin/chromium';
const noSkip = process.env.PB_TEST_NO_SKIP === '1';
let n = 0, failed = 0;

// A test line; a description's further lines print as TAP comments.
function line(head, what) {
	const [first, ...rest] = String(what).split('\n');
	console.log(`${head}${first}`);
	for (const l of rest)
		console.log(`# ${l}`);
}

function ok(cond, what) {
	n++;
	if (!cond)
		failed++;
	line(`${cond ? 'ok' : 'not ok'} ${n} - `, what);
	return cond;
}

// A skip plan (exit 0: meson's TAP reader calls 77 an error), or a failure under PB_TEST_NO_SKIP=1.
function skip(why) {
	if (noSkip) {
		console.log('1..1');
		line('not ok 1 - ', `${why} (PB_TEST_NO_SKIP=1 forbids skipping)`);
		process.exit(1);
	}
	line('1..0 # SKIP ', why);
	process.exit(0);
}

let playwright;
try {
	playwright = await import('playwright-core');
} catch (e) {
	skip('playwright-core is not installed (npm ci in tests/plugins/svg)');
}
if (!existsSync(chromium))
	skip(`no browser at ${chromium} (apt-get install chromium)`);

// A profile where one function is reached along two paths, so search has work to do.
const stacks = {
	'app;main;parse;target_read': 30,
	'app;main;parse;other': 20,
	'app;main;compute;target_write': 25,
	'app;main;compute;inner_function_with_a_long_name;leaf': 15,
	'app;idle': 10,
	'worker;loop;target_read': 20,
};
const total = Object.values(stacks).reduce((a, b) => a + b, 0);
const matchedShare = Object.entries(stacks)
	.filter(([s]) => s.split(';').some((f) => /^target_/.test(f)))
	.reduce((a, [, c]) => a + c, 0) / total;

const dir = mkdtempSync(join(tmpdir(), 'pb-svg-browser.'));
const input = join(dir, 'in.folded');
writeFileSync(input, Object.entries(stacks).map(([s, c]) => `${s} ${c}\n`).join(''));
const r = spawnSync(pb, ['--input', input, '-o', join(dir, 'g.svg'), '-o', join(dir, 'g.html')]);
if (r.status !== 0) {
	console.log(`not ok 1 - profile-bee renders the graphs: ${r.stderr}\n1..1`);
	process.exit(1);
}

const browser = await playwright.chromium.launch({
	executablePath: chromium,
	args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
		'--disable-background-networking', '--disable-component-update', '--disable-sync'],
});

// The frame titled "name (...)" whose ancestors are the given path, as an index into #frames > g.
async function frameIndex(page, name, parentName) {
	return page.evaluate(([name, parentName]) => {
		const gs = [...document.querySelectorAll('#frames > g')];
		const info = gs.map((g) => ({
			name: g.querySelector('title').textContent.replace(/ \([^(]*\)$/, ''),
			x: +g.getAttribute('fg:x'), w: +g.getAttribute('fg:w'),
			y: +g.querySelector('rect').getAttribute('y'),
		}));
		return info.findIndex((f) => f.name === name && (!parentName || info.some((p) =>
			p.name === parentName && p.y === f.y + 16 && p.x <= f.x && p.x + p.w >= f.x + f.w)));
	}, [name, parentName]);
}

async function check(kind, file) {
	const page = await browser.newPage({ viewport: { width: 1300, height: 600 } });
	const errors = [];
	page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
	page.on('pageerror', (e) => errors.push(e.message));
	page.on('requestfailed', (req) => errors.push(`request ${req.url()}`));
	await page.goto('file://' + file);
	const frames = page.locator('#frames > g');
	const framesBox = await page.locator('#frames').boundingBox();

	// Click to zoom: the frame fills the width, its ancestors stay, others go.
	const compute = await frameIndex(page, 'compute', 'main');
	const parse = await frameIndex(page, 'parse', 'main');
	const main = await frameIndex(page, 'main', 'app');
	const inner = await frameIndex(page, 'inner_function_with_a_long_name', 'compute');
	const labelBefore = await frames.nth(inner).locator('text').textContent();
	const before = await frames.nth(compute).locator('rect').boundingBox();
	await frames.nth(compute).locator('rect').click();
	const after = await frames.nth(compute).locator('rect').boundingBox();
	ok(before.width < framesBox.width * 0.5 && Math.abs(after.width - framesBox.width) < 2,
		`${kind}: clicking a frame zooms it to the full width (${before.width.toFixed(0)} -> ` +
		`${after.width.toFixed(0)} of ${framesBox.width.toFixed(0)} px)`);
	const mainBox = await frames.nth(main).locator('rect').boundingBox();
	ok(mainBox && Math.abs(mainBox.width - framesBox.width) < 2 && mainBox.y > after.y,
		`${kind}: its ancestors stay below it, full width`);
	ok(!(await frames.nth(parse).isVisible()), `${kind}: frames beside it are hidden`);
	const label = await frames.nth(inner).locator('text').textContent();
	ok(labelBefore.endsWith('..') && label === 'inner_function_with_a_long_name',
		`${kind}: labels are redrawn at the new width ("${labelBefore}" -> "${label}")`);

	await page.locator('#unzoom').click();
	const reset = await frames.nth(compute).locator('rect').boundingBox();
	ok(Math.abs(reset.width - before.width) < 1 && (await frames.nth(parse).isVisible()),
		`${kind}: Reset Zoom restores the graph`);

	// Search: the prompt takes a regex; matches turn magenta; the share of samples shows.
	page.once('dialog', (d) => d.accept('^target_'));
	await page.locator('#search').click();
	const matched = await page.locator('#matched').textContent();
	const want = `Matched: ${(100 * matchedShare).toFixed(1)}%`;
	ok(matched === want, `${kind}: search shows "${matched}" (want "${want}")`);
	const fills = await page.evaluate(() => [...document.querySelectorAll('#frames > g')].map(
		(g) => [g.querySelector('title').textContent, g.querySelector('rect').getAttribute('fill')]));
	const hits = fills.filter(([, f]) => f === 'rgb(230,0,230)').map(([t]) => t);
	ok(hits.length === 3 && hits.every((t) => t.startsWith('target_')),
		`${kind}: exactly the matching frames are highlighted (${hits.length})`);
	await page.locator('#search').click(); // a second click clears the search
	ok((await page.locator('#matched').textContent()).trim() === '',
		`${kind}: clicking Search again clears it`);

	// Hovering shows the frame's details at the bottom.
	await frames.nth(compute).locator('rect').hover();
	const details = await page.locator('#details').textContent();
	const computeSamples = Object.entries(stacks).filter(([s]) => s.includes(';compute;'))
		.reduce((a, [, c]) => a + c, 0);
	const wantDetails = `Function: compute (${computeSamples} samples, ` +
		`${(100 * computeSamples / total).toFixed(2)}%)`;
	ok(details === wantDetails,
		`${kind}: hovering shows the details ("${details}")`);
	ok(errors.length === 0, `${kind}: no console errors${errors.length ? ': ' + errors : ''}`);
	await page.close();
}

try {
	console.log('TAP version 13');
	await check('svg', join(dir, 'g.svg'));
	await check('html', join(dir, 'g.html'));
} catch (e) {
	ok(false, `browser session: ${e.message}`);
} finally {
	await browser.close();
	rmSync(dir, { recursive: true, force: true });
}
console.log(`1..${n}`);
process.exit(failed ? 1 : 0);
