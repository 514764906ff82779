// SPDX-License-Identifier: MIT
// What the s3 tests share: loading the store, running profile-bee, reading folded text.
'use strict';

const { spawn } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');
const zlib = require('zlib');
const tap = require('./tap.js');

// The store's modules come from `npm ci` here (.ci/setup.d/s3.sh).
function loadStore() {
  try {
    return require('./store.js');
  } catch (e) {
    tap.skipAll(`the local S3 store is not installed (run .ci/setup.d/s3.sh): ${e.message}`);
  }
}

// An environment with no way to reach real AWS: only what the test sets, loopback endpoints.
function cleanEnv(extra) {
  const env = {};
  for (const [k, v] of Object.entries(process.env))
    if (!/^(AWS_|PB_IMDS|ECS_CONTAINER|KUBERNETES_)/.test(k))
      env[k] = v;
  env.AWS_SHARED_CREDENTIALS_FILE = '/nonexistent/pb-s3-test-credentials';
  env.AWS_EC2_METADATA_DISABLED = 'true';
  env.AWS_REGION = 'eu-west-3';
  return Object.assign(env, extra);
}

// Runs profile-bee; resolves to { code, stdout, stderr }.
function run(args, env, timeoutMs = 60000) {
  return new Promise((resolve) => {
    const child = spawn(process.env.PB, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code: signal ? 128 : code, stdout, stderr });
    });
  });
}

// folded text as a Map "stack" -> count (lines that print the same are summed).
function parseFolded(text) {
  const m = new Map();
  for (const line of text.split('\n')) {
    const sp = line.lastIndexOf(' ');
    if (!line || sp < 0)
      continue;
    const stack = line.slice(0, sp);
    m.set(stack, (m.get(stack) || 0) + Number(line.slice(sp + 1)));
  }
  return m;
}

function sameFolded(a, b) {
  if (a.size !== b.size)
    return false;
  for (const [k, v] of a)
    if (b.get(k) !== v)
      return false;
  return true;
}

const gunzip = (buf) => zlib.gunzipSync(buf).toString();
const tmpdir = (tag) => fs.mkdtempSync(path.join(os.tmpdir(), `pb-s3-${tag}-`));

module.exports = { loadStore, cleanEnv, run, parseFolded, sameFolded, gunzip, tmpdir };
