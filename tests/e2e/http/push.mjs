// SPDX-License-Identifier: MIT
// profile-bee -o http://... on a live fixture: Pyroscope requests per window; a collector that
// comes up late still gets every window, in order.
import http from 'node:http';
import zlib from 'node:zlib';
import { existsSync } from 'node:fs';
import { ok, diag, done, need, needRoot, sleep, startPb } from './tap.mjs';

const PB = process.env.PB, FIXTURE = process.argv[2];
needRoot(PB);
need(FIXTURE && existsSync(FIXTURE), 'the fixture was not built');

// A collector on loopback that records what it is sent.
function receiver(port = 0) {
	const got = [];
	const srv = http.createServer((req, res) => {
		const chunks = [];
		req.on('data', (d) => chunks.push(d));
		req.on('end', () => {
			let body = Buffer.concat(chunks);
			if (req.headers['content-encoding'] === 'gzip') body = zlib.gunzipSync(body);
			got.push({ url: new URL(req.url, 'http://x'), headers: req.headers, body: body.toString() });
			res.end('ok');
		});
	});
	return new Promise((resolve, reject) => {
		srv.once('error', reject);
		srv.listen(port, '127.0.0.1', () => resolve({ srv, got, port: srv.address().port }));
	});
}

// Pyroscope mode, every window as it comes.
{
	const rx = await receiver();
	const pb = startPb(PB, ['-o', `http://127.0.0.1:${rx.port}/ingest`, '--flush-interval', '1',
		'-d', '4', '--', FIXTURE]);
	const code = await pb.exited;
	rx.srv.close();
	ok(code === 0, `profile-bee pushes and exits 0 (${code})`);
	if (code !== 0) diag(pb.stderr);
	ok(rx.got.length >= 3, `one request per 1 s window (${rx.got.length} in 4 s)`);
	const q = rx.got.map((g) => g.url.searchParams);
	ok(q.every((p) => /^http-fixture\.cpu\{.*hostname=/.test(p.get('name'))),
		`name is <target>.cpu{labels} with host labels (${q[0] && q[0].get('name')})`);
	ok(q.every((p) => p.get('format') === 'folded' && p.get('sampleRate') === '99' &&
		p.get('spyName') === 'profile-bee' && p.get('units') === 'samples' &&
		p.get('aggregationType') === 'sum'), 'format, sampleRate, spyName, units, aggregationType');
	const from = q.map((p) => Number(p.get('from'))), until = q.map((p) => Number(p.get('until')));
	ok(from.every((f, i) => f <= until[i] && (i === 0 || f >= from[i - 1])),
		`windows in time order (from ${from.join(',')})`);
	ok(rx.got.every((g) => g.body.split('\n').filter(Boolean).every((l) => /^.+ \d+$/.test(l))),
		'bodies are folded lines');
	ok(rx.got.some((g) => g.body.includes('http_fixture_outer;http_fixture_spin;http_fixture_work')),
		'with the fixture\'s chain');
}

// Generic mode; the collector is down for the first windows, then comes up.
{
	const probe = await receiver();
	const port = probe.port;
	probe.srv.close();
	const pb = startPb(PB, ['-o', `http://127.0.0.1:${port}/collect`, '--flush-interval', '1',
		'-d', '5', '--', FIXTURE]);
	await sleep(2600);
	let rx = null;
	for (let i = 0; i < 20 && !rx; i++) {
		rx = await receiver(port).catch(() => null);
		if (!rx) await sleep(100);
	}
	const code = await pb.exited;
	ok(rx, `the collector came up late on port ${port}`);
	rx && rx.srv.close();
	ok(code === 0, `profile-bee exits 0: nothing was lost (${code})`);
	if (code !== 0 || !rx) diag(pb.stderr);
	const seq = rx ? rx.got.map((g) => Number(g.headers['x-profile-bee-window'])) : [];
	ok(seq.length >= 4 && seq.every((s, i) => s === i + 1),
		`every window arrived, in order (${seq.join(',')})`);
	ok(/cannot deliver/.test(pb.stderr) && /collector is back/.test(pb.stderr),
		'the outage and the recovery were reported');
}
done();
