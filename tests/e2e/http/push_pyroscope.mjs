// SPDX-License-Identifier: MIT
// The push exporter against a receiver that applies Pyroscope's ingest rules: the app name and
// labels are made valid (and each change said once), from/until carry nanoseconds so 1 s windows
// do not overlap, and a collector's rejection is reported once per window, never twice.
import http from 'node:http';
import { existsSync } from 'node:fs';
import { ok, diag, done, need, needRoot, startPb } from './tap.mjs';

const PB = process.env.PB, FIXTURE = process.argv[2];
need(PB && existsSync(PB), 'PB (the profile-bee binary) is not set');

// Records every request; answer(i) gives [status, body] for the i-th (from 0).
function receiver(answer = () => [200, 'ok']) {
	const got = [];
	const srv = http.createServer((req, res) => {
		req.resume();
		req.on('end', () => {
			const [status, body] = answer(got.length);
			got.push(new URL(req.url, 'http://x').searchParams);
			res.statusCode = status;
			res.end(body);
		});
	});
	return new Promise((resolve) => srv.listen(0, '127.0.0.1', () =>
		resolve({ srv, got, url: `http://127.0.0.1:${srv.address().port}/ingest` })));
}

// What a Pyroscope server refuses in name=, or '' when it takes it.
function pyroscopeRefuses(name) {
	const m = /^([^{]*)\.cpu\{(.*)\}$/.exec(name || '');
	if (!m) return `not app.cpu{labels}: ${name}`;
	if (!/^[A-Za-z0-9_.\-/]+$/.test(m[1])) return `app name '${m[1]}'`;
	for (const kv of m[2] ? m[2].split(',') : []) {
		const [k, v, extra] = kv.split('=');
		if (extra !== undefined || v === undefined) return `label '${kv}'`;
		if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(k) || k.startsWith('__')) return `label name '${k}'`;
		if (k.length > 1024) return `label name of ${k.length} bytes`;
		if (/[{}=,"\s\x00-\x1f\x7f]/.test(v) || v.includes('\ufffd')) return `value '${v}'`;
		if (Buffer.byteLength(v) > 2048) return `value of ${Buffer.byteLength(v)} bytes`;
	}
	return '';
}

const count = (s, needle) => s.split(needle).length - 1;

// 1. A name and labels Pyroscope would refuse, from a saved profile (no BPF needed).
{
	const rx = await receiver();
	const long = 'v'.repeat(3000);
	const pb = startPb(PB, ['--input', `${process.env.PB_SOURCE_ROOT}/tests/e2e/http/push.folded`,
		'-o', rx.url, '--set', 'output.push.app-name=my app', '--set',
		`output.push.labels=team name=a{b}c;9lives=é ok;__x=1;big=${long}`]);
	const code = await pb.exited;
	rx.srv.close();
	const name = rx.got[0] && rx.got[0].get('name');
	ok(code === 0 && rx.got.length === 1, `pushed once, exit 0 (${code}, ${rx.got.length})`);
	const why = pyroscopeRefuses(name);
	ok(!why, `Pyroscope's rules accept name= (${why || name.slice(0, 80)})`);
	if (why) diag(pb.stderr);
	ok(/^my_app\.cpu\{team_name=a_b_c,_9lives=é_ok,_x=1,big=v{2048}[,}]/.test(name || ''),
		'the app name and each label made valid, the long value cut to 2048 bytes');
	ok(count(pb.stderr, "app name 'my app' sent as 'my_app'") === 1,
		'the app name change is said once, naming both');
	ok(count(pb.stderr, "label name 'team name' sent as 'team_name'") === 1 &&
		count(pb.stderr, "'a{b}c' sent as 'a_b_c'") === 1 &&
		count(pb.stderr, "'é ok' sent as 'é_ok'") === 1,
		'each changed label name and value is said once');
	ok(count(pb.stderr, '3000 bytes cut to 2048') === 1, 'the cut value is said once, with sizes');
	const t = rx.got[0] ? [rx.got[0].get('from'), rx.got[0].get('until')] : [];
	ok(t.every((x) => /^\d{19}$/.test(x)) && Math.abs(Number(t[0]) / 1e6 - Date.now()) < 60000,
		`a saved profile is stored as of now, in nanoseconds (${t.join(',')})`);
}

// 2. A collector that rejects every window, each with its own reason; then one that fails.
{
	const rx = await receiver((i) => [400, `bad window \x1b[2Jreason-${i + 1}`]);
	const pb = startPb(PB, ['--input', `${process.env.PB_SOURCE_ROOT}/tests/e2e/http/push.folded`,
		'-o', rx.url]);
	const code = await pb.exited;
	rx.srv.close();
	ok(code === 1, `a rejected push exits 1 (${code})`);
	ok(count(pb.stderr, 'reason-1') === 1 && count(pb.stderr, 'HTTP 400') === 1,
		'the rejection is printed once, with the collector\'s reason');
	ok(!pb.stderr.includes('\x1b') && pb.stderr.includes('\\x1b[2J'),
		'the reason is printed escaped');
	ok(/1 window rejected/.test(pb.stderr), 'the end of the run counts it');
	if (code !== 1 || count(pb.stderr, 'reason-1') !== 1) diag(pb.stderr);

	const down = await receiver(() => [503, 'overloaded-now']);
	const pb2 = startPb(PB, ['--input', `${process.env.PB_SOURCE_ROOT}/tests/e2e/http/push.folded`,
		'-o', down.url, '--set', 'output.push.flush-timeout=1', '--set',
		'output.push.max-backoff=0.2']);
	const code2 = await pb2.exited;
	down.srv.close();
	ok(code2 === 1 && down.got.length >= 2, `a 503 is retried, then given up (${down.got.length})`);
	ok(count(pb2.stderr, 'overloaded-now') === 1 && /1 window not delivered/.test(pb2.stderr),
		'its reason is printed once; the summary counts without repeating it');
	if (count(pb2.stderr, 'overloaded-now') !== 1) diag(pb2.stderr);
}

// 3. Live 1 s windows (root + BPF): nanosecond from/until, no overlap; every rejection once.
needRoot(PB);
need(FIXTURE && existsSync(FIXTURE), 'the fixture was not built');
{
	const rx = await receiver((i) => [i === 0 ? 200 : 422, `refused-window-${i + 1}`]);
	const pb = startPb(PB, ['-o', rx.url, '--flush-interval', '1', '-d', '4', '--', FIXTURE]);
	const code = await pb.exited;
	rx.srv.close();
	const from = rx.got.map((q) => q.get('from')), until = rx.got.map((q) => q.get('until'));
	ok(rx.got.length >= 3 && [...from, ...until].every((x) => /^\d{19}$/.test(x)),
		`from/until in nanoseconds (${from[0]}..${until[0]})`);
	ok(from.every((f, i) => BigInt(f) < BigInt(until[i]) &&
		(i === 0 || BigInt(f) >= BigInt(until[i - 1]))),
		'each window starts where the one before ended: no overlap');
	const rejected = rx.got.length - 1;
	let each = true;
	for (let i = 2; i <= rx.got.length; i++) each &&= count(pb.stderr, `refused-window-${i}`) === 1;
	ok(code === 1 && rejected >= 2 && each,
		`each of the ${rejected} rejected windows is reported once, with its reason`);
	ok(new RegExp(`${rejected} windows rejected`).test(pb.stderr) &&
		count(pb.stderr, 'HTTP 422') === rejected,
		'the summary counts them without repeating the text');
	if (!each) diag(pb.stderr);
}
done();
