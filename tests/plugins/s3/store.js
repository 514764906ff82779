// SPDX-License-Identifier: MIT
// A local S3 store for the s3 output's tests: s3rver on loopback behind a proxy that recomputes
// every request's AWS Signature V4 with the official signer and refuses any mismatch, as S3 does.
'use strict';

const http = require('http');
const path = require('path');
const S3rver = require('s3rver');
const { DUMMY_ACCOUNT } = require('s3rver/lib/models/account');
const { SignatureV4 } = require('@smithy/signature-v4');
const { Sha256 } = require('@aws-crypto/sha256-js');

function s3Error(res, status, code, message) {
  const body = `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code>` +
    `<Message>${message}</Message></Error>`;
  res.writeHead(status, { 'content-type': 'application/xml', 'content-length': body.length });
  res.end(body);
}

// "AWS4-HMAC-SHA256 Credential=AKID/20260101/eu-west-3/s3/aws4_request, SignedHeaders=a;b,
// Signature=hex" into its parts.
function parseAuthorization(value) {
  const m = /^AWS4-HMAC-SHA256 (.*)$/.exec(value || '');
  if (!m)
    return null;
  const parts = {};
  for (const kv of m[1].split(/,\s*/)) {
    const eq = kv.indexOf('=');
    parts[kv.slice(0, eq)] = kv.slice(eq + 1);
  }
  const scope = (parts.Credential || '').split('/');
  if (scope.length !== 5 || !parts.SignedHeaders || !parts.Signature)
    return null;
  return { accessKeyId: scope[0], date: scope[1], region: scope[2], service: scope[3],
    signedHeaders: parts.SignedHeaders.split(';'), signature: parts.Signature };
}

// x-amz-date (20260101T120000Z) as a Date.
function amzDate(value) {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value || '');
  return m ? new Date(Date.UTC(+m[1], m[2] - 1, +m[3], +m[4], +m[5], +m[6])) : null;
}

// The signature the official signer computes for this request with the known secret.
async function expectedSignature(req, auth, secret, body) {
  const url = new URL(req.url, 'http://placeholder');
  const headers = {};
  for (const name of auth.signedHeaders)
    headers[name] = req.headers[name] === undefined ? '' : String(req.headers[name]);
  const query = {};
  for (const [k, v] of url.searchParams)
    query[k] = v;
  const signer = new SignatureV4({
    credentials: { accessKeyId: auth.accessKeyId, secretAccessKey: secret,
      sessionToken: req.headers['x-amz-security-token'] },
    region: auth.region, service: auth.service, sha256: Sha256,
    uriEscapePath: false, // S3 signs the path as sent, without double encoding
    applyChecksum: false,
  });
  const rawPath = req.url.split('?')[0];
  const signed = await signer.sign({
    method: req.method, protocol: 'http:', hostname: url.hostname, path: rawPath, query,
    headers, body,
  }, { signingDate: amzDate(req.headers['x-amz-date']) });
  return /Signature=([0-9a-f]+)/.exec(signed.headers.authorization)[1];
}

// Starts the store; resolves to { endpoint, port, stop(), start(), close(), stats, keys }.
async function startStore({ directory, bucket, keys }) {
  for (const [id, secret] of Object.entries(keys))
    DUMMY_ACCOUNT.createKeyPair(id, secret);
  const backend = new S3rver({ address: '127.0.0.1', port: 0, silent: true,
    directory: path.resolve(directory), configureBuckets: [{ name: bucket }] });
  const { port: backendPort } = await backend.run();
  const stats = { verified: 0, rejected: 0, puts: 0 };
  const sockets = new Set();

  const proxy = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', async () => {
      const body = Buffer.concat(chunks);
      const auth = parseAuthorization(req.headers.authorization);
      if (!auth)
        return s3Error(res, 403, 'AccessDenied', 'Missing or malformed Authorization');
      const secret = keys[auth.accessKeyId];
      if (secret === undefined)
        return s3Error(res, 403, 'InvalidAccessKeyId', 'The AWS Access Key Id you provided ' +
          'does not exist in our records.');
      const required = ['host', 'x-amz-date', 'x-amz-content-sha256'];
      if (req.headers['x-amz-security-token'])
        required.push('x-amz-security-token');
      const missing = required.filter((h) => !auth.signedHeaders.includes(h));
      let want = null;
      try {
        want = await expectedSignature(req, auth, secret, body);
      } catch (e) {
        want = null;
      }
      if (missing.length || want !== auth.signature) {
        stats.rejected++;
        return s3Error(res, 403, 'SignatureDoesNotMatch', 'The request signature we ' +
          'calculated does not match the signature you provided. Check your key and ' +
          'signing method.');
      }
      stats.verified++;
      if (req.method === 'PUT')
        stats.puts++;
      const fwd = http.request({ host: '127.0.0.1', port: backendPort, method: req.method,
        path: req.url, headers: req.headers }, (up) => {
        res.writeHead(up.statusCode, up.headers);
        up.pipe(res);
      });
      fwd.on('error', () => s3Error(res, 502, 'BadGateway', 'backend unreachable'));
      fwd.end(body);
    });
  });
  proxy.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  const listen = (port) => new Promise((resolve, reject) => {
    proxy.once('error', reject);
    proxy.listen(port, '127.0.0.1', () => resolve(proxy.address().port));
  });
  const port = await listen(0);
  const store = {
    port,
    endpoint: `http://127.0.0.1:${port}`,
    stats,
    // Down: connections are refused, as with a store that is not running.
    stop: () => new Promise((resolve) => {
      for (const s of sockets)
        s.destroy();
      proxy.close(() => resolve());
    }),
    start: () => listen(port),
    close: async () => {
      await store.stop().catch(() => {});
      await backend.close();
    },
  };
  return store;
}

// A client for reading back: signed GETs with the official signer.
function client({ endpoint, bucket, accessKeyId, secretAccessKey, region }) {
  const signer = new SignatureV4({ credentials: { accessKeyId, secretAccessKey }, region,
    service: 's3', sha256: Sha256, uriEscapePath: false });
  async function get(rawPath, query = {}) {
    const url = new URL(endpoint);
    const req = await signer.sign({ method: 'GET', protocol: 'http:', hostname: url.hostname,
      port: +url.port, path: rawPath, query,
      headers: { host: url.host, 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' } });
    const qs = new URLSearchParams(query).toString();
    const res = await fetch(`${endpoint}${rawPath}${qs ? '?' + qs : ''}`,
      { headers: req.headers });
    const body = Buffer.from(await res.arrayBuffer());
    if (!res.ok)
      throw new Error(`GET ${rawPath}: HTTP ${res.status} ${body}`);
    return { body, headers: res.headers };
  }
  const encodeKey = (key) => key.split('/').map(encodeURIComponent).join('/');
  return {
    async list(prefix) {
      const keys = [];
      let token;
      do {
        const query = { 'list-type': '2', prefix };
        if (token)
          query['continuation-token'] = token;
        const xml = (await get(`/${bucket}`, query)).body.toString();
        for (const m of xml.matchAll(/<Key>([^<]*)<\/Key>/g))
          keys.push(m[1].replace(/&amp;/g, '&'));
        const next = /<NextContinuationToken>([^<]*)</.exec(xml);
        token = /<IsTruncated>true</.test(xml) && next ? next[1] : undefined;
      } while (token);
      return keys.sort();
    },
    get: (key) => get(`/${bucket}/${encodeKey(key)}`),
  };
}

module.exports = { startStore, client };
