// SPDX-License-Identifier: MIT
// Reads a .pb.gz with the npm pprof-format decoder into plain stacks (root first, as our model
// keeps them). Run as `node pprof_read.mjs folded FILE` it prints them as sorted folded text;
// `sites FILE` prints each location as "function 0xaddress mapping-file build-id", sorted.
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';

export async function readPprof(path) {
	const { Profile } = await import('pprof-format');
	const p = Profile.decode(gunzipSync(readFileSync(path)));
	const str = (i) => p.stringTable.strings[Number(i)];
	const fn = new Map(p.function.map((f) => [String(f.id), f]));
	const loc = new Map(p.location.map((l) => [String(l.id), l]));
	const name = (id) => {
		const l = loc.get(String(id));
		if (!l || l.line.length !== 1) throw new Error(`location ${id}: want one line`);
		return str(fn.get(String(l.line[0].functionId)).name);
	};
	const stacks = p.sample.map((s) => {
		const labels = Object.fromEntries(
			s.label.map((l) => [str(l.key), Number(l.str) ? str(l.str) : BigInt(l.num)]));
		return {
			comm: labels.comm,
			pid: labels.pid === undefined ? 0 : Number(labels.pid),
			frames: s.locationId.map(name).reverse(),
			values: s.value.map((v) => BigInt(v)),
		};
	});
	return {
		profile: p,
		stacks,
		str,
		sampleTypes: p.sampleType.map((t) => `${str(t.type)}/${str(t.unit)}`),
		comments: p.comment.map(str),
	};
}

// Folded text of the stacks: samples that print the same (pids apart) summed, lines sorted.
export function folded(stacks) {
	const sum = new Map();
	for (const s of stacks) {
		const k = [s.comm, ...s.frames].join(';');
		sum.set(k, (sum.get(k) || 0n) + s.values[0]);
	}
	return [...sum.keys()].sort().map((k) => `${k} ${sum.get(k)}\n`).join('');
}

// Every location with its function, address and mapping (file and build id; "-" when none).
export function sites({ profile: p, str }) {
	const map = new Map(p.mapping.map((m) => [String(m.id), m]));
	const fn = new Map(p.function.map((f) => [String(f.id), f]));
	return p.location.map((l) => {
		const m = map.get(String(l.mappingId));
		const f = l.line.length ? str(fn.get(String(l.line[0].functionId)).name) : '-';
		const file = m ? str(m.filename) || '-' : '-', id = m ? str(m.buildId) || '-' : '-';
		return `${f} 0x${BigInt(l.address).toString(16)} ${file} ${id}\n`;
	}).sort().join('');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
	const [mode, path] = process.argv.slice(2);
	if (!['folded', 'sites'].includes(mode) || !path) {
		console.error('usage: node pprof_read.mjs folded|sites FILE.pb.gz');
		process.exit(2);
	}
	const read = await readPprof(path);
	process.stdout.write(mode === 'folded' ? folded(read.stacks) : sites(read));
}
