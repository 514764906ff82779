// SPDX-License-Identifier: MIT
// --serve when pages close their /events streams and reconnect (reload, tab closed): each closed
// stream gives its slot and thread back within a second or two, so as many new streams are
// accepted again, and stopping the server with streams open is quick. A saved profile (no
// windows, only pings), loopback only, 6 clients.
import net from 'node:net';
import { existsSync, mkdtempSync, readdirSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { ok, diag, done, need, sleep, startPb, waitStderr, stopPb } from './tap.mjs';

const PB = process.env.PB;
need(PB && existsSync(PB), 'PB (the profile-bee binary) is not set');
const MAX = 6, STREAMS = MAX - 1; // one slot stays for /folded, /json, /svg
const SETTLE_MS = 3000; // well under the 10 s ping that used to be the only way to notice

const dir = mkdtempSync(`${tmpdir()}/pb-reconnect-`);
writeFileSync(`${dir}/in.folded`, 'main;work;leaf 5\nmain;idle 2\n');
const pb = startPb(PB, ['--input', `${dir}/in.folded`, '--serve', '--listen', '127.0.0.1:0',
	'--set', `output.serve.max-clients=${MAX}`]);
const m = await waitStderr(pb, /live flame graph on http:\/\/127\.0\.0\.1:(\d+)\//, 10000);
need(m, `--serve did not start: ${pb.stderr}`);
const port = Number(m[1]);
const tasks = () => readdirSync(`/proc/${pb.child.pid}/task`).length;
const fds = () => readdirSync(`/proc/${pb.child.pid}/fd`).length;

// Opens a stream and waits for its status and, on 200, the snapshot event; -1 if neither came.
function open() {
	return new Promise((resolve) => {
		const s = net.connect(port, '127.0.0.1');
		let got = '';
		const end = (code) => { clearTimeout(t); resolve({ s, code }); };
		const t = setTimeout(() => end(-1), 5000);
		s.on('connect', () => s.write('GET /events HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n'));
		s.on('data', (d) => {
			got += d;
			const c = /^HTTP\/1\.1 (\d+)/.exec(got);
			if (c && (c[1] !== '200' || got.includes('event: snapshot'))) end(Number(c[1]));
		});
		s.on('error', () => end(0));
		s.on('close', () => end(0));
	});
}

const openAll = () => Promise.all(Array.from({ length: STREAMS }, open));

// Polls until cond() holds or ms pass; returns the time it took, or -1.
async function within(ms, cond) {
	const start = Date.now();
	while (Date.now() - start < ms) {
		if (cond()) return Date.now() - start;
		await sleep(50);
	}
	return cond() ? Date.now() - start : -1;
}

await sleep(200);
const idleTasks = tasks(), idleFds = fds();

// A page that goes away closes its socket (FIN); a crashed one may reset it instead.
for (const how of ['end', 'reset']) {
	const first = await openAll();
	ok(first.every((c) => c.code === 200), `${how}: ${STREAMS} streams open (${first.map((c) => c.code)})`);
	for (const { s } of first) {
		if (how === 'end') s.end(), s.destroy();
		else s.resetAndDestroy();
	}
	const t = await within(SETTLE_MS, () => tasks() <= idleTasks && fds() <= idleFds);
	ok(t >= 0, `${how}: threads and sockets back to idle (${idleTasks} threads, ${idleFds} fds) ` +
		`within ${SETTLE_MS} ms (${t} ms; now ${tasks()}, ${fds()})`);
	const again = await openAll();
	ok(again.every((c) => c.code === 200),
		`${how}: as many new streams accepted after the close (${again.map((c) => c.code)})`);
	for (const { s } of again) s.destroy();
	await within(SETTLE_MS, () => tasks() <= idleTasks);
}

// Stopping with every stream slot held ends at once: no thread waits for its next ping.
const held = await openAll();
ok(held.every((c) => c.code === 200), 'streams held open for the stop');
const t0 = Date.now();
const r = await stopPb(pb, 5000);
ok(r !== 'timeout' && Date.now() - t0 < 3000, `stops on SIGINT with streams open (${Date.now() - t0} ms)`);
if (r === 'timeout') diag(pb.stderr);
for (const { s } of held) s.destroy();
rmSync(dir, { recursive: true, force: true });
done();
