// SPDX-License-Identifier: MIT
// TAP output, skips, and the profile-bee process helpers shared by the http e2e tests.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';

let n = 0, failed = 0;

// A test line: a description's further lines (stderr pasted into it) print as TAP comments.
function line(head, what) {
	const [first, ...rest] = String(what).split('\n');
	console.log(`${head}${first}`);
	if (rest.length) diag(rest.join('\n'));
}

export function ok(cond, what) {
	n++;
	if (!cond) failed++;
	line(`${cond ? '' : 'not '}ok ${n} - `, what);
	return cond;
}

export function diag(msg) {
	for (const l of String(msg).split('\n')) console.log(`# ${l}`);
}

export function done() {
	console.log(`1..${n}`);
	process.exit(failed ? 1 : 0);
}

// A skip plan when something is missing (exit 0: meson's TAP reader calls 77 an error), or a
// failure when CI asked for skips to fail.
export function need(cond, why) {
	if (cond) return;
	if (process.env.PB_TEST_NO_SKIP === '1') {
		console.log('1..1');
		line('not ok 1 - ', `${why} (PB_TEST_NO_SKIP=1 forbids skipping)`);
		process.exit(1);
	}
	line('1..0 # SKIP ', why);
	process.exit(0);
}

export function needRoot(pb) {
	need(process.getuid && process.getuid() === 0, 'needs root for BPF');
	need(existsSync('/sys/kernel/btf/vmlinux'), 'needs a kernel with BTF');
	need(pb && existsSync(pb), 'PB (the profile-bee binary) is not set');
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// Every profile-bee a test started and did not see end: a test that throws half-way (a page
// that never loads) still ends them, with the command they profile, instead of leaving a
// server running after the test.
const running = new Set();
process.on('exit', () => {
	for (const child of running) child.kill('SIGTERM');
});

// Starts profile-bee; collects stderr; resolves `exited` with the exit code.
export function startPb(pb, args) {
	const child = spawn(pb, args, { stdio: ['ignore', 'pipe', 'pipe'] });
	running.add(child);
	child.on('exit', () => running.delete(child));
	const p = { child, stderr: '', stdout: '' };
	child.stderr.on('data', (d) => { p.stderr += d; });
	child.stdout.on('data', (d) => { p.stdout += d; });
	p.exited = new Promise((resolve) => child.on('exit', (code, sig) => resolve(sig ? 128 : code)));
	return p;
}

// Waits until re matches profile-bee's stderr; returns the match or null.
export async function waitStderr(p, re, ms) {
	const end = Date.now() + ms;
	while (Date.now() < end) {
		const m = p.stderr.match(re);
		if (m) return m;
		if (p.child.exitCode !== null) return p.stderr.match(re);
		await sleep(50);
	}
	return null;
}

export async function stopPb(p, ms) {
	p.child.kill('SIGINT');
	const timer = sleep(ms).then(() => 'timeout');
	const r = await Promise.race([p.exited, timer]);
	if (r === 'timeout') p.child.kill('SIGKILL');
	return r;
}
