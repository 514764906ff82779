// SPDX-License-Identifier: MIT
// The s3 output in a continuous run: real sampling with --flush-interval, the store down for a
// few windows and back, then every window in the bucket, chained in time, adding up to the run,
// its svg what -o writes for it.
'use strict';

const fs = require('fs');
const path = require('path');
const plugin = path.join(__dirname, '..', '..', 'plugins', 's3');
const tap = require(path.join(plugin, 'tap.js'));
const h = require(path.join(plugin, 'helpers.js'));

const { ok, diag } = tap;
const BUCKET = 'pb-e2e';
const KEY_ID = 'AKIDPBE2E';
const SECRET = 'pb-e2e-secret-41d2';
const RUN_S = 6;

if (!process.env.PB)
  tap.skipAll('PB (the profile-bee executable) is not set');
if (process.getuid() !== 0)
  tap.skipAll('sampling needs root');
if (!fs.existsSync('/sys/kernel/btf/vmlinux'))
  tap.skipAll('this kernel has no BTF');
const { startStore, client } = h.loadStore();

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

(async () => {
  const work = h.tmpdir('e2e');
  const store = await startStore({ directory: path.join(work, 'store'), bucket: BUCKET,
    keys: { [KEY_ID]: SECRET } });
  const reader = client({ endpoint: store.endpoint, bucket: BUCKET, accessKeyId: KEY_ID,
    secretAccessKey: SECRET, region: 'eu-west-3' });
  const whole = path.join(work, 'whole.folded');
  const q = new URLSearchParams({ endpoint: store.endpoint, spool_dir: path.join(work, 'spool'),
    retry_max: '0.3', flush_timeout: '20', service: 'spin', format: 'folded,svg' });
  // A shell that spins for RUN_S seconds: a command target, so windows say whose they are.
  const spin = `end=$(( $(date +%s) + ${RUN_S} )); while [ $(date +%s) -lt $end ]; do :; done`;

  try {
    const running = h.run(['-F', '199', '--flush-interval', '1', '-o', `s3://${BUCKET}/e2e?${q}`,
      '-o', whole, '--', 'sh', '-c', spin], h.cleanEnv({ AWS_ACCESS_KEY_ID: KEY_ID,
      AWS_SECRET_ACCESS_KEY: SECRET }), 90000);
    await sleep(1500);
    await store.stop();
    const downAt = Date.now();
    await sleep(2500);
    await store.start();
    const upAt = Date.now();
    diag(`store down for ${upAt - downAt} ms`);
    const r = await running;
    ok(r.code === 0, 'the run exits 0', r.stderr);
    ok(/cannot upload/.test(r.stderr), 'the outage was reported', r.stderr);

    const keys = await reader.list('e2e/');
    const metas = keys.filter((k) => k.endsWith('.meta.json'));
    const profiles = keys.filter((k) => k.endsWith('.folded.gz'));
    diag(`${profiles.length} windows stored`);
    ok(metas.length === profiles.length && profiles.length >= RUN_S - 1,
      `every window arrived: ${profiles.length} profiles, ${metas.length} metadata objects`,
      keys.join('\n'));
    ok(keys.every((k) => /^e2e\/spin\/\d{4}\/\d{2}\/\d{2}\/[^/]+\/\d{8}T\d{6}\.\d{3}Z_\d+\./.test(k)),
      'keys name the service and the pid of the command', keys.join('\n'));

    const windows = [];
    for (const k of metas)
      windows.push(JSON.parse((await reader.get(k)).body.toString()).window);
    let chained = true;
    for (let i = 1; i < windows.length; i++)
      chained = chained && windows[i].start_ns === windows[i - 1].end_ns;
    ok(chained, 'windows follow each other without gaps', JSON.stringify(windows));
    const inOutage = windows.filter((w) => w.end_ns / 1e6 > downAt && w.start_ns / 1e6 < upAt);
    ok(inOutage.length >= 1, `${inOutage.length} windows were taken while the store was down`);

    const merged = new Map();
    for (const k of profiles)
      for (const [stack, n] of h.parseFolded(h.gunzip((await reader.get(k)).body)))
        merged.set(stack, (merged.get(stack) || 0) + n);
    const total = h.parseFolded(fs.readFileSync(whole, 'utf8'));
    ok(total.size > 0 && h.sameFolded(merged, total),
      `the windows add up to the whole run (${total.size} stacks)`);

    // Each window's svg is what -o x.svg writes for that window (read back from its folded).
    const svgs = keys.filter((k) => k.endsWith('.svg'));
    let same = 0;
    const differ = [];
    for (const k of svgs) {
      const folded = path.join(work, 'window.folded');
      const svg = path.join(work, 'window.svg');
      const body = h.gunzip((await reader.get(k.replace(/\.svg$/, '.folded.gz'))).body);
      // A window in which the loaded machine gave the workload no CPU has no stacks: --input
      // refuses an empty file, so its svg is only checked to be a whole (empty) flame graph.
      if (body.length === 0) {
        if ((await reader.get(k)).body.toString().trimEnd().endsWith('</svg>')) same++;
        else differ.push(`${k}: an empty window's svg is not a whole svg`);
        continue;
      }
      fs.writeFileSync(folded, body);
      const r = await h.run(['--input', folded, '-o', svg], process.env);
      if (r.code === 0 && (await reader.get(k)).body.equals(fs.readFileSync(svg)))
        same++;
      else
        differ.push(`${k}: ${r.stderr}`);
    }
    ok(svgs.length === profiles.length && same === svgs.length,
      `every window's svg object equals -o x.svg of its folded profile (${same} of ${svgs.length})`,
      differ.join('\n'));
    ok(fs.readdirSync(path.join(work, 'spool')).filter((f) => f.endsWith('.obj')).length === 0,
      'nothing left in the spool');
    ok(store.stats.rejected === 0, 'every upload was correctly signed');
  } catch (e) {
    ok(false, 'the test ran to the end', e.stack);
  }
  await store.close();
  fs.rmSync(work, { recursive: true, force: true });
  tap.done();
})();
