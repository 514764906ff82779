// SPDX-License-Identifier: MIT
// http output benchmarks, side by side in one run, medians of several runs:
//  1. profile-bee's own CPU with --serve --stream-mode 1 and 0 vs 50 live clients;
//  2. push latency: window end -> the collector has the request (generic mode, loopback).
// Usage (root): node bench/http/bench.mjs BUILD_DIR [runs=3] [seconds=10]
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import http from 'node:http';

const build = process.argv[2] || 'build-http';
const runs = Number(process.argv[3] || 3), secs = Number(process.argv[4] || 10);
const PB = `${build}/core/cli/profile-bee`, FIXTURE = `${build}/tests/e2e/http/http-fixture`;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const median = (a) => { const s = [...a].sort((x, y) => x - y); return s[Math.floor(s.length / 2)]; };
const ticks = 100; // USER_HZ

function cpuTicks(pid) {
	const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
	return Number(f[11]) + Number(f[12]); // utime + stime
}

function start(args) {
	const c = spawn(PB, args, { stdio: ['ignore', 'ignore', 'pipe'] });
	c.err = '';
	c.stderr.on('data', (d) => { c.err += d; });
	c.done = new Promise((r) => c.on('exit', r));
	return c;
}

async function serveRun(clients) {
	const fx = spawn(FIXTURE, [String(secs + 10)], { stdio: 'ignore' });
	const pb = start(['--serve', '--listen', '127.0.0.1:0', '--stream-mode', '1', '-p', String(fx.pid)]);
	let m;
	while (!(m = pb.err.match(/127\.0\.0\.1:(\d+)/))) await sleep(50);
	const port = Number(m[1]), reqs = [];
	let events = 0;
	for (let i = 0; i < clients; i++) {
		reqs.push(http.get({ host: '127.0.0.1', port, path: '/events' }, (res) => {
			res.on('data', (d) => { events += (String(d).match(/event: window/g) || []).length; });
		}).on('error', () => {}));
	}
	await sleep(1500);
	const t0 = cpuTicks(pb.pid), e0 = events;
	await sleep(secs * 1000);
	const cpu = (cpuTicks(pb.pid) - t0) / ticks / secs * 100, ev = events - e0;
	for (const r of reqs) r.destroy();
	pb.kill('SIGINT');
	await pb.done;
	fx.kill();
	return { cpu, ev };
}

async function pushRun() {
	const lat = [];
	const srv = http.createServer((req, res) => {
		const end = BigInt(req.headers['x-profile-bee-end-ns'] || 0);
		req.resume();
		req.on('end', () => {
			lat.push(Date.now() - Number(end / 1000000n)); // both CLOCK_REALTIME, ms

			res.end('ok');
		});
	});
	await new Promise((r) => srv.listen(0, '127.0.0.1', r));
	const fx = spawn(FIXTURE, [String(secs + 5)], { stdio: 'ignore' });
	const pb = start(['-o', `http://127.0.0.1:${srv.address().port}/collect`, '--flush-interval', '1',
		'-d', String(secs), '-p', String(fx.pid)]);
	await pb.done;
	fx.kill();
	srv.close();
	return lat;
}

const serve = { 0: [], 50: [] }, events = { 0: [], 50: [] };
for (let i = 0; i < runs; i++) {
	for (const n of [0, 50]) {
		const r = await serveRun(n);
		serve[n].push(r.cpu);
		events[n].push(r.ev);
	}
}
console.log(`--serve --stream-mode 1, fixture at 99 Hz, ${secs} s x ${runs} runs (medians)`);
console.log('clients   profile-bee CPU %   window events received by all clients');
for (const n of [0, 50])
	console.log(`${String(n).padStart(7)}   ${median(serve[n]).toFixed(2).padStart(17)}   ${median(events[n])}`);
let all = [];
for (let i = 0; i < runs; i++) all = all.concat(await pushRun());
console.log(`\npush, generic mode, --flush-interval 1, ${all.length} windows over ${runs} runs`);
console.log(`window end -> received: median ${median(all).toFixed(2)} ms, max ${Math.max(...all).toFixed(2)} ms`);
