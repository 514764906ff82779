// SPDX-License-Identifier: MIT
// --serve with more live-stream clients than max-clients (default 256), each a slow connection
// that never reads: /folded, /json and /svg are still answered (one slot is kept for them), the
// streams over the limit get 503 naming the limit. Real binary, a saved profile, loopback only.
import net from 'node:net';
import { existsSync, mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { ok, diag, done, need, sleep, startPb, waitStderr, stopPb } from './tap.mjs';

const PB = process.env.PB;
need(PB && existsSync(PB), 'PB (the profile-bee binary) is not set');
const STREAMS = 300; // over the default max-clients=256

const dir = mkdtempSync(`${tmpdir()}/pb-slots-`);
writeFileSync(`${dir}/in.folded`, 'main;work;leaf 5\nmain;idle 2\n');
const pb = startPb(PB, ['--input', `${dir}/in.folded`, '--serve', '--listen', '127.0.0.1:0']);
const m = await waitStderr(pb, /live flame graph on http:\/\/127\.0\.0\.1:(\d+)\//, 10000);
need(m, `--serve did not start: ${pb.stderr}`);
const port = Number(m[1]);

// A whole request, until the server closes: its status (0: refused, reset or no answer in ms).
function get(path, ms = 5000) {
	return new Promise((resolve) => {
		const s = net.connect(port, '127.0.0.1');
		let got = '';
		const end = () => {
			clearTimeout(t);
			s.destroy();
			const c = /^HTTP\/1\.1 (\d+)/.exec(got);
			resolve(c ? Number(c[1]) : 0);
		};
		const t = setTimeout(end, ms);
		s.on('connect', () => s.write(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`));
		s.on('data', (d) => { got += d; });
		s.on('error', end);
		s.on('close', end);
	});
}

// Slow stream clients: ask for /events, read the status line, then stop reading.
const streams = [];
const status = await Promise.all(Array.from({ length: STREAMS }, () => new Promise((resolve) => {
	const s = net.connect(port, '127.0.0.1');
	streams.push(s);
	let got = '', done_ = false;
	const end = (code) => { if (!done_) { done_ = true; clearTimeout(t); resolve(code); } };
	const t = setTimeout(() => end(-1), 10000);
	s.on('connect', () => s.write('GET /events HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n'));
	s.on('data', (d) => {
		got += d;
		const c = /^HTTP\/1\.1 (\d+)/.exec(got);
		if (c) { s.pause(); end(Number(c[1])); }
	});
	s.on('error', () => end(0));
	s.on('close', () => end(0));
})));
const streaming = status.filter((c) => c === 200).length;
const told = status.filter((c) => c === 503).length, hanging = status.filter((c) => c < 0).length;
ok(streaming === 255, `streams up to the limit less one (${streaming} of ${STREAMS})`);
// Past max-clients libmicrohttpd closes a connection at accept; below it the stream gets 503.
ok(hanging === 0, `the others are told 503 (${told}) or closed at once, none left hanging (${hanging})`);
await sleep(300);
// One slot is kept, so requests go one at a time; the slot of one that just ended is free a
// moment after its socket closed (libmicrohttpd counts it until its thread has finished), and a
// connect in that moment is closed at accept (0): it is tried again for up to 2 s.
async function getKept(path) {
	for (let i = 0; i < 20; i++) {
		const code = await get(path);
		if (code !== 0) return code;
		await sleep(100);
	}
	return 0;
}
const codes = [];
for (const path of ['/folded', '/json', '/svg', '/folded']) codes.push(await getKept(path));
ok(codes.every((c) => c === 200), `/folded, /json, /svg answered meanwhile (${codes.join(',')})`);

// The 503 names the limit so the reader knows what to raise.
const body = await new Promise((resolve) => {
	const s = net.connect(port, '127.0.0.1');
	let got = '';
	const t = setTimeout(() => { s.destroy(); resolve(got); }, 5000);
	s.on('connect', () => s.write('GET /events HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n'));
	s.on('data', (d) => { got += d; });
	s.on('close', () => { clearTimeout(t); resolve(got); });
	s.on('error', () => {});
});
ok(/^HTTP\/1\.1 503/.test(body) && /max-clients=256/.test(body),
	`a stream over the limit gets 503 naming max-clients (${body.split('\r\n')[0]})`);

for (const s of streams) s.destroy();
const r = await stopPb(pb, 5000);
ok(r !== 'timeout', 'the server stops on SIGINT with the clients gone');
if (r === 'timeout') diag(pb.stderr);
rmSync(dir, { recursive: true, force: true });
done();
