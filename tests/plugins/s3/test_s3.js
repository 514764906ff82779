// SPDX-License-Identifier: MIT
// The s3 output against a real S3 server on loopback (s3rver behind a SigV4-verifying proxy):
// keys and metadata, contents, the credential chain, refused credentials, outages and restarts.
'use strict';

const fs = require('fs');
const http = require('http');
const os = require('os');
const path = require('path');
const tap = require('./tap.js');
const h = require('./helpers.js');

const { ok, diag } = tap;
const BUCKET = 'pb-profiles';
const KEY_ID = 'AKIDPBS3TEST';
const SECRET = 'pb-s3-test-secret-5c8e1f';

if (!process.env.PB)
  tap.skipAll('PB (the profile-bee executable) is not set');
const { startStore, client } = h.loadStore();

const work = h.tmpdir('plugin');
let inputs = 0;

// A folded input with stacks unique to this call, and its canonical serialization.
async function profile(tag) {
  const file = path.join(work, `in-${++inputs}.folded`);
  fs.writeFileSync(file, `svc;main;handle_${tag};parse 7\nsvc;main;handle_${tag};write_[k] 3\n` +
    `svc;main;idle_${tag} 1\n`);
  const canon = path.join(work, `canon-${inputs}.folded`);
  const r = await h.run(['--input', file, '-o', canon], process.env);
  return { file, text: r.code === 0 ? fs.readFileSync(canon, 'utf8') : null };
}

function target(store, prefix, settings = {}) {
  const q = new URLSearchParams({ endpoint: store.endpoint, spool_dir: path.join(work, 'spool'),
    ...settings });
  return `s3://${BUCKET}/${prefix}?${q}`;
}

const creds = { AWS_ACCESS_KEY_ID: KEY_ID, AWS_SECRET_ACCESS_KEY: SECRET };

async function testUploadAndKeys(store, reader) {
  const p = await profile('first');
  const r = await h.run(['-v', '-v', '--input', p.file, '-o',
    target(store, 'fleet/', { service: 'checkout' })], h.cleanEnv(creds));
  ok(r.code === 0, 'upload of one profile exits 0', r.stderr);
  ok(!r.stderr.includes(SECRET), 'the secret never appears in the log, even with -v -v');
  const keys = await reader.list('fleet/');
  ok(keys.length === 2, 'two objects: the profile and its metadata', keys.join('\n'));
  const host = os.hostname().replace(/[^A-Za-z0-9._-]/g, '_');
  const re = new RegExp(`^fleet/checkout/(\\d{4})/(\\d{2})/(\\d{2})/${host.replace(/\./g, '\\.')}` +
    '/(\\d{8})T\\d{6}\\.\\d{3}Z_all\\.(folded\\.gz|meta\\.json)$');
  const m = keys.map((k) => re.exec(k));
  ok(m.every(Boolean), 'keys read <prefix>/<service>/<yyyy>/<mm>/<dd>/<host>/<start>_all.<ext>',
    keys.join('\n'));
  if (!m.every(Boolean))
    return;
  ok(m[0][1] + m[0][2] + m[0][3] === m[0][4], 'the date path is the start date');
  const profileKey = keys.find((k) => k.endsWith('.folded.gz'));
  const metaKey = keys.find((k) => k.endsWith('.meta.json'));
  ok(profileKey.replace('.folded.gz', '') === metaKey.replace('.meta.json', ''),
    'the metadata object sits beside the profile');
  const obj = await reader.get(profileKey);
  const text = h.gunzip(obj.body);
  ok(text === p.text, 'the stored profile is the folded profile, gzip-compressed',
    `got:\n${text}\nwant:\n${p.text}`);
  const meta = JSON.parse((await reader.get(metaKey)).body.toString());
  ok(meta.profile_bee_version && /^\d+\.\d+/.test(meta.profile_bee_version),
    `metadata names the profile-bee version (${meta.profile_bee_version})`);
  ok(meta.host && meta.host.hostname === os.hostname(), 'metadata has the host metadata');
  ok(meta.host && /^[0-9a-f-]{36}$/.test(meta.host.boot_id || ''), 'and the boot id');
  ok(meta.window && /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/.test(meta.window.start),
    'metadata has the window start in ISO 8601', JSON.stringify(meta.window));
  ok(meta.samples === 11, `metadata counts the samples (${meta.samples})`);
  ok('frequency_hz' in meta && 'unwinder' in meta, 'metadata has frequency and unwinder');
  ok(Array.isArray(meta.objects) && meta.objects[0].key === profileKey &&
    meta.objects[0].bytes === obj.body.length, 'metadata lists the profile object and its size');
  ok(store.stats.rejected === 0 && store.stats.puts >= 2,
    `every request carried a valid SigV4 signature (${JSON.stringify(store.stats)})`);
}

// Every format comes from the encoder -o uses, with the session's settings of its plugin: the
// svg, json and html objects are byte for byte the files -o writes for the same profile.
async function testFormats(store, reader) {
  const p = await profile('formats');
  const set = ['--set', 'output.svg.title=s3 and -o agree', '--set', 'output.svg.palette=blue'];
  const file = (ext) => path.join(work, `formats.${ext}`);
  const local = await h.run(['--input', p.file, ...set, '-o', file('svg'), '-o', file('json'),
    '-o', file('html')], process.env);
  ok(local.code === 0, 'the same profile written with -o x.svg, x.json, x.html', local.stderr);
  const plain = await h.run(['--input', p.file, '-o', file('default.svg')], process.env);
  ok(plain.code === 0 && !fs.readFileSync(file('default.svg')).equals(fs.readFileSync(file('svg'))),
    'the --set settings change the svg (so equal bytes below are not the defaults by chance)');
  const r = await h.run(['--input', p.file, ...set, '-o',
    target(store, 'formats', { format: 'folded,svg,json,html' })], h.cleanEnv(creds));
  ok(r.code === 0, 'upload with format=folded,svg,json,html exits 0', r.stderr);
  const keys = await reader.list('formats/');
  const stems = new Set(keys.map((k) => k.replace(/\.(folded\.gz|svg|json|html|meta\.json)$/, '')));
  ok(keys.length === 5 && stems.size === 1,
    'five objects under one name: .folded.gz .svg .json .html .meta.json', keys.join('\n'));
  const byExt = (ext) => keys.find((k) => k.endsWith(ext) && !k.endsWith('.meta.json'));
  const types = { '.folded.gz': 'application/gzip', '.svg': 'image/svg+xml',
    '.json': 'application/json', '.html': 'text/html; charset=utf-8' };
  const got = {};
  for (const ext of Object.keys(types)) {
    const key = byExt(ext);
    got[ext] = key ? await reader.get(key) : { body: Buffer.alloc(0), headers: new Map() };
    ok(got[ext].headers.get('content-type') === types[ext],
      `${ext} is stored as ${types[ext]}`, got[ext].headers.get('content-type'));
  }
  ok(got['.svg'].body.equals(fs.readFileSync(file('svg'))),
    `the svg object is byte-identical to -o x.svg (${got['.svg'].body.length} bytes)`);
  ok(got['.json'].body.equals(fs.readFileSync(file('json'))),
    'the json object is byte-identical to -o x.json');
  ok(got['.html'].body.equals(fs.readFileSync(file('html'))),
    'the html object is byte-identical to -o x.html');
  ok(h.gunzip(got['.folded.gz'].body) === p.text, 'the folded object is still the folded profile');
  const metaKey = keys.find((k) => k.endsWith('.meta.json'));
  const meta = metaKey ? JSON.parse((await reader.get(metaKey)).body.toString()) : {};
  ok(Array.isArray(meta.objects) &&
    meta.objects.map((o) => o.key).join() === ['.folded.gz', '.svg', '.json', '.html'].map(byExt).join(),
    'the metadata lists the profiles in the order format= gave them', JSON.stringify(meta.objects));
}

// pprof comes from the pprof plugin, built or not: when it is there, its object is -o x.pb.gz.
async function testPprof(store, reader) {
  const list = await h.run(['--list-plugins'], process.env);
  if (!/^output +pprof /m.test(list.stdout)) {
    diag('the pprof plugin is not built: format=pprof is not tried');
    return;
  }
  const p = await profile('pprof');
  const local = path.join(work, 'formats.pb.gz');
  const l = await h.run(['--input', p.file, '-o', local], process.env);
  const r = await h.run(['--input', p.file, '-o', target(store, 'pprof', { format: 'pprof' })],
    h.cleanEnv(creds));
  ok(l.code === 0 && r.code === 0, 'format=pprof uploads', r.stderr || l.stderr);
  const keys = await reader.list('pprof/');
  const key = keys.find((k) => k.endsWith('.pb.gz'));
  const obj = key ? await reader.get(key) : null;
  ok(obj && obj.body.equals(fs.readFileSync(local)),
    'the .pb.gz object is byte-identical to -o x.pb.gz', keys.join('\n'));
}

// "-o s3", the plugin's name alone (as the agent and Lua name outputs): all from the settings.
async function testNameOnly(store, reader) {
  const p = await profile('name-only');
  const r = await h.run(['--input', p.file, '-o', 's3', '--set', `output.s3.bucket=${BUCKET}`,
    '--set', 'output.s3.prefix=by-name', '--set', `output.s3.endpoint=${store.endpoint}`,
    '--set', `output.s3.spool_dir=${path.join(work, 'spool')}`], h.cleanEnv(creds));
  ok(r.code === 0, '-o s3 with bucket, prefix and endpoint set as settings exits 0', r.stderr);
  const keys = await reader.list('by-name/');
  ok(keys.length === 2 && keys.some((k) => k.endsWith('.folded.gz')),
    'both objects stored under the prefix the settings gave', keys.join('\n'));
}

// Values in the URL are checked against the key table like [output.s3] and --set: a usage error.
async function testBadSettings(store) {
  const cases = [
    [{ retry_max: '0' }, /'retry_max' must be from 0\.05 to 3600, not '0'/],
    [{ gzip: 'maybe' }, /'gzip' must be a boolean, not 'maybe'/],
    [{ nope: '1' }, /output\.s3 has no setting 'nope'/],
    [{ format: 'folded,gif' }, /unknown format 'gif' \(known: folded, svg, json, html, pprof\)/],
  ];
  const p = await profile('bad');
  for (const [settings, want] of cases) {
    const r = await h.run(['--input', p.file, '-o', target(store, 'bad', settings)],
      h.cleanEnv(creds));
    ok(r.code === 2 && want.test(r.stderr), `${decodeURIComponent(new URLSearchParams(settings))} in the URL is ` +
      'refused (exit 2), naming the setting', r.stderr);
  }
}

// A window the encoder cannot render (its svg settings name a diff-base that is not there) is
// lost loudly: the run fails with the encoder's reason, and nothing half-made is stored.
async function testUnrenderable(store, reader) {
  const p = await profile('unrenderable');
  const r = await h.run(['--input', p.file, '--set', 'output.svg.diff-base=/nonexistent/base.folded',
    '-o', target(store, 'unrenderable', { format: 'folded,svg' })], h.cleanEnv(creds));
  ok(r.code === 1 && /window 1 lost: cannot render it/.test(r.stderr) &&
    /diff-base '\/nonexistent\/base\.folded'/.test(r.stderr),
    'a window the svg encoder refuses: exit 1, the window said lost, and why', r.stderr);
  ok((await reader.list('unrenderable/')).length === 0, 'nothing of that window was stored');
}

async function testWrongSecret(store, reader) {
  const wrong = 'not-the-secret-9f3a';
  const spool = path.join(work, 'spool-wrong');
  const p = await profile('wrong');
  const before = (await reader.list('')).length;
  const r = await h.run(['--input', p.file, '-o', target(store, 'wrong', { spool_dir: spool })],
    h.cleanEnv({ AWS_ACCESS_KEY_ID: KEY_ID, AWS_SECRET_ACCESS_KEY: wrong }));
  ok(r.code !== 0, 'a wrong secret makes the run fail');
  ok(/403/.test(r.stderr) && /SignatureDoesNotMatch/.test(r.stderr),
    'the error names the status and the store\'s error code', r.stderr);
  ok((r.stderr.match(/SignatureDoesNotMatch/g) || []).length === 1, 'reported once');
  ok(!r.stderr.includes(wrong), 'the secret is not in the error');
  ok((await reader.list('')).length === before, 'nothing was stored');
  ok(fs.readdirSync(spool).filter((f) => f.endsWith('.obj')).length === 2,
    'the window waits in the spool');
}

async function testSharedFile(store, reader) {
  const file = path.join(work, 'credentials');
  fs.writeFileSync(file, `[default]\naws_access_key_id = WRONG\naws_secret_access_key = x\n\n` +
    `[ci]\naws_access_key_id = ${KEY_ID}\naws_secret_access_key = ${SECRET}\n`);
  const p = await profile('file');
  const r = await h.run(['--input', p.file, '-o', target(store, 'shared')],
    h.cleanEnv({ AWS_SHARED_CREDENTIALS_FILE: file, AWS_PROFILE: 'ci' }));
  ok(r.code === 0, 'credentials from the shared file (AWS_PROFILE=ci)', r.stderr);
  ok((await reader.list('shared/')).length === 2, 'both objects stored');
}

const INSTANCE_ID = 'i-0fa1ce5e1f0000042';

// A fake IMDSv2: the instance's identity, and the test key as an instance role's temporary
// credentials. It keeps every request in `seen`. A hostile one (mode) answers the reads with
// 1 MiB ('huge'), a byte every 50 ms ('slow') or 401 ('denied').
function fakeImds(mode) {
  const token = 'imds-token-77';
  const seen = [];
  const server = http.createServer((req, res) => {
    const send = (status, body) => {
      res.writeHead(status);
      res.end(body);
    };
    seen.push({ method: req.method, url: req.url,
      ttl: req.headers['x-aws-ec2-metadata-token-ttl-seconds'],
      token: req.headers['x-aws-ec2-metadata-token'] });
    if (req.url === '/latest/api/token')
      return req.method === 'PUT' && req.headers['x-aws-ec2-metadata-token-ttl-seconds'] ?
        send(200, token) : send(400, '');
    if (req.headers['x-aws-ec2-metadata-token'] !== token || mode === 'denied')
      return send(401, '');
    if (mode === 'huge')
      return send(200, 'x'.repeat(1 << 20));
    if (mode === 'slow') {
      res.writeHead(200, { 'Content-Length': '200' });
      const timer = setInterval(() => res.write('x'), 50);
      res.on('close', () => clearInterval(timer));
      return undefined;
    }
    if (req.url === '/latest/meta-data/instance-id')
      return send(200, INSTANCE_ID);
    if (req.url === '/latest/meta-data/iam/security-credentials/')
      return send(200, 'pb-role');
    if (req.url === '/latest/meta-data/iam/security-credentials/pb-role')
      return send(200, JSON.stringify({ Code: 'Success', AccessKeyId: KEY_ID,
        SecretAccessKey: SECRET, Token: 'session-token-abc',
        Expiration: new Date(Date.now() + 3600e3).toISOString().replace(/\.\d+Z$/, 'Z') }));
    send(404, '');
  });
  server.seen = seen;
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

const imdsEnv = (imds) => h.cleanEnv({ AWS_EC2_METADATA_DISABLED: 'false',
  PB_IMDS_ENDPOINT: `http://127.0.0.1:${imds.address().port}` });

// Host metadata (in the core) and the role's credentials (in the plugin) share one client.
async function testInstanceRole(store, reader) {
  const imds = await fakeImds();
  const p = await profile('role');
  const r = await h.run(['--input', p.file, '-o', target(store, 'role')], imdsEnv(imds));
  imds.close();
  ok(r.code === 0, 'credentials from the EC2 instance role (IMDSv2, session token signed)',
    r.stderr);
  const keys = await reader.list('role/');
  ok(keys.length === 2, 'both objects stored');
  const metaKey = keys.find((k) => k.endsWith('.meta.json'));
  const meta = metaKey ? JSON.parse((await reader.get(metaKey)).body.toString()) : {};
  ok(meta.host && meta.host.ec2_instance_id === INSTANCE_ID,
    'the same IMDS gave the host metadata its instance id', JSON.stringify(meta.host));
  const puts = imds.seen.filter((q) => q.url === '/latest/api/token');
  const gets = imds.seen.filter((q) => q.url !== '/latest/api/token');
  ok(puts.length === 1 && puts[0].method === 'PUT',
    `one token for host metadata and credentials (${puts.length} token requests)`);
  ok(puts.every((q) => q.ttl === '21600'), 'asked with the one token lifetime',
    puts.map((q) => q.ttl).join(', '));
  ok(gets.some((q) => q.url === '/latest/meta-data/instance-id') &&
    gets.some((q) => q.url.startsWith('/latest/meta-data/iam/security-credentials/')),
  'both host metadata and credentials read through it', gets.map((q) => q.url).join('\n'));
  ok(gets.every((q) => q.token === 'imds-token-77'), 'every read carried that token');
}

// An IMDS that answers too much, too slowly or not at all: the run ends, bounded, and says why.
async function testHostileImds(store) {
  const why = { huge: /too large/, slow: /no answer in time/, denied: /refused its own token/ };
  for (const mode of Object.keys(why)) {
    const imds = await fakeImds(mode);
    const p = await profile(`imds-${mode}`);
    const t0 = Date.now();
    const r = await h.run(['--input', p.file, '-o', target(store, `imds-${mode}`,
      { spool_dir: path.join(work, `spool-imds-${mode}`) })], imdsEnv(imds), 20000);
    const ms = Date.now() - t0;
    imds.close();
    ok(r.code !== 0 && /no EC2 instance role answered/.test(r.stderr) && why[mode].test(r.stderr),
      `IMDS '${mode}': no credentials, and the error says why`, r.stderr);
    ok(ms < 8000, `IMDS '${mode}': the run still ends (${ms} ms)`);
  }
}

async function testOutage(store, reader) {
  const spool = path.join(work, 'spool-outage');
  const settings = { spool_dir: spool, flush_timeout: '0.5', retry_max: '0.2' };
  const sent = [];

  await store.stop();
  for (let i = 0; i < 3; i++) {
    const p = await profile(`down${i}`);
    const r = await h.run(['--input', p.file, '-o', target(store, 'outage', settings)],
      h.cleanEnv(creds));
    sent.push(p.text);
    ok(r.code === 0 && /next run/.test(r.stderr),
      `run ${i + 1} with the store down ends, saying the window waits for the next run`,
      r.stderr);
  }
  await store.start();
  const p = await profile('up');
  sent.push(p.text);
  const r = await h.run(['--input', p.file, '-o', target(store, 'outage',
    { ...settings, flush_timeout: '20' })], h.cleanEnv(creds));
  ok(r.code === 0, 'the next run with the store back exits 0', r.stderr);
  const keys = await reader.list('outage/');
  const profiles = keys.filter((k) => k.endsWith('.folded.gz'));
  ok(profiles.length === 4 && keys.length === 8, `every window arrived (${keys.length} objects)`,
    keys.join('\n'));
  const got = [];
  for (const k of profiles)
    got.push(h.gunzip((await reader.get(k)).body));
  ok(sent.every((t) => got.includes(t)), 'each with its own profile');
  ok(fs.readdirSync(spool).filter((f) => f.endsWith('.obj')).length === 0, 'the spool is empty');
}

(async () => {
  const store = await startStore({ directory: path.join(work, 'store'), bucket: BUCKET,
    keys: { [KEY_ID]: SECRET } });
  const reader = client({ endpoint: store.endpoint, bucket: BUCKET, accessKeyId: KEY_ID,
    secretAccessKey: SECRET, region: 'eu-west-3' });
  try {
    await testUploadAndKeys(store, reader);
    await testFormats(store, reader);
    await testPprof(store, reader);
    await testNameOnly(store, reader);
    await testBadSettings(store);
    await testUnrenderable(store, reader);
    await testWrongSecret(store, reader);
    await testSharedFile(store, reader);
    await testInstanceRole(store, reader);
    await testHostileImds(store);
    await testOutage(store, reader);
  } catch (e) {
    ok(false, 'the test ran to the end', e.stack);
  }
  await store.close();
  fs.rmSync(work, { recursive: true, force: true });
  tap.done();
})();
