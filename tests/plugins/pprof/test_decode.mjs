// SPDX-License-Identifier: MIT
// A second decoder (npm pprof-format, not written here) reads our .pb.gz and agrees with the
// folded output of the same profile and with the stacks pprof-gen put in: names (UTF-8, ';',
// spaces), order, pids, counts past 2^63, a stack at the depth limit, types and meta.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ok, diag, done, need } from '../../e2e/http/tap.mjs';

const [pb, gen] = process.argv.slice(2);
const here = dirname(fileURLToPath(import.meta.url));
need(existsSync(join(here, 'node_modules/pprof-format/package.json')),
	'pprof-format is not installed (npm ci in tests/plugins/pprof)');
const { readPprof, folded } = await import('./pprof_read.mjs');

const dir = mkdtempSync(join(tmpdir(), 'pb-pprof.'));
const run = (cmd, args) => {
	const r = spawnSync(cmd, args, { encoding: 'utf8' });
	if (r.status !== 0) diag(`${cmd} ${args.join(' ')}: exit ${r.status}\n${r.stderr}`);
	return r.status === 0;
};
const byteSort = (text) => text.split('\n').filter(Boolean)
	.sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b))).join('\n');
const INT64_MAX = (1n << 63n) - 1n;

console.log('TAP version 13');
try {
	// A folded profile through --input: the decoder's stacks are the folded lines.
	const input = join(dir, 'in.folded');
	writeFileSync(input, [
		'app;main;pb_alpha;pb_beta;pb_gamma;pb_burn 70',
		'app;main;pb_alpha;pb_other 20',
		'app;main;write;entry_SYSCALL_64_[k];ksys_write_[k] 10',
		'my app;naïve 🐝;with space 3',
		'other;start;work 5', ''].join('\n'));
	const pbgz = join(dir, 'in.pb.gz'), fold = join(dir, 'out.folded');
	if (ok(run(pb, ['--input', input, '-o', pbgz, '-o', fold]), '--input x.folded -o x.pb.gz')) {
		const r = await readPprof(pbgz);
		const got = byteSort(folded(r.stacks)), want = byteSort(readFileSync(fold, 'utf8'));
		ok(got === want, 'the decoded samples are the folded output, names and counts') ||
			diag(`got:\n${got}\nwant:\n${want}`);
		ok(r.sampleTypes.join() === 'samples/count',
			'no rate known: samples/count only') || diag(r.sampleTypes);
		ok(r.stacks.every((s) => s.pid === 0), 'no pid label when the input has none');
	}
	// The rate from the setting: cpu nanoseconds per sample are 1e9/F.
	const hz = join(dir, 'hz.pprof');
	if (ok(run(pb, ['--input', input, '-o', hz, '--set', 'output.pprof.frequency=250']),
		'-o x.pprof with output.pprof.frequency=250')) {
		const r = await readPprof(hz);
		ok(r.sampleTypes.join() === 'samples/count,cpu/nanoseconds', 'cpu/nanoseconds added');
		ok(r.stacks.every((s) => s.values[1] === s.values[0] * 4000000n) &&
			Number(r.profile.period) === 4000000, 'cpu = count * 4 ms, period 4 ms');
	}

	for (const mode of ['odd', 'huge', 'deep']) {
		const out = join(dir, `${mode}.pb.gz`), json = join(dir, `${mode}.json`);
		if (!ok(run(gen, [mode, out, json]), `pprof-gen ${mode}`))
			continue;
		const r = await readPprof(out);
		const want = JSON.parse(readFileSync(json, 'utf8'));
		const key = (s) => JSON.stringify([s.comm, s.pid, s.frames]);
		const got = new Map(r.stacks.map((s) => [key(s), s]));
		const bad = want.filter((w) => {
			const g = got.get(key(w));
			const count = BigInt(w.count) > INT64_MAX ? INT64_MAX : BigInt(w.count);
			const cpu = count * 10000000n > INT64_MAX ? INT64_MAX : count * 10000000n;
			return !g || g.values[0] !== count || g.values[1] !== cpu;
		});
		ok(bad.length === 0 && r.stacks.length === want.length,
			`${mode}: every stack, pid, name and count decodes as written (${want.length})`) ||
			diag(JSON.stringify(bad).slice(0, 2000));
		const p = r.profile;
		ok(Number(p.timeNanos) === 1.7e18 && Number(p.durationNanos) === 2.5e9,
			`${mode}: time_nanos and duration_nanos from the profile's window`);
		if (mode === 'huge')
			// Both values of the one huge sample (its count and its nanoseconds).
			ok(r.comments.some((c) => /2\^63-1: 2$/.test(c)),
				'huge: the clamped value is said in a comment') || diag(r.comments);
		if (mode === 'deep')
			ok(r.stacks[0].frames.length === 4095 && r.stacks[0].frames[4094] === 'f4094',
				'deep: 4095 frames, leaf last once reversed');
	}
} finally {
	rmSync(dir, { recursive: true, force: true });
}
done();
