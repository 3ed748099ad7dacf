// Development server for the console: serves crates/console/assets from disk
// (edit, reload, no cargo build) and forwards everything else (the API on
// POST /, the /console/stream) to a running `stepwell serve`.
//
//   stepwell serve --port 8083 &
//   node crates/console/dev/serve.mjs [--port 8090] [--upstream 127.0.0.1:8083]
//        [--require-sigv4 ACCESS_KEY_ID:SECRET]
//
// With --require-sigv4 it stands in for a server that verifies AWS Signature
// Version 4 (service `states`): a forwarded request must be signed with that
// key, or it is refused the way AWS refuses it. This exercises the console's
// sign-in form and its signing in a real browser.
import { createHash, createHmac } from 'node:crypto';
import http from 'node:http';
import { readFile } from 'node:fs/promises';
import { extname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';

const arg = (name, dflt) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : dflt;
};
const port = Number(arg('port', '8090'));
const [upHost, upPort] = arg('upstream', '127.0.0.1:8083').split(':');
const assets = fileURLToPath(new URL('../assets/', import.meta.url));
const [sigKey, sigSecret] = (arg('require-sigv4', '') || ':').split(/:(.*)/s);
const types = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css', '.svg': 'image/svg+xml' };

http.createServer(async (req, res) => {
  const url = new URL(req.url, 'http://x');
  const file = req.method === 'GET' && url.pathname === '/' ? 'index.html'
    : req.method === 'GET' && url.pathname.startsWith('/console/assets/') ? url.pathname.slice('/console/assets/'.length) : null;
  if (file !== null) {
    const path = normalize(join(assets, decodeURIComponent(file)));
    if (!path.startsWith(assets)) return res.writeHead(404).end();
    try {
      const body = await readFile(path);
      res.writeHead(200, { 'Content-Type': types[extname(path)] || 'text/plain', 'Cache-Control': 'no-store' }).end(body);
    } catch {
      res.writeHead(404).end();
    }
    return;
  }
  if (sigKey) {
    const body = await new Promise((resolve) => {
      const chunks = [];
      req.on('data', (c) => chunks.push(c));
      req.on('end', () => resolve(Buffer.concat(chunks)));
    });
    const refusal = verify(req, body);
    if (refusal) {
      res.writeHead(refusal[0], { 'Content-Type': 'application/x-amz-json-1.0' });
      return res.end(JSON.stringify({ __type: refusal[1], message: refusal[2] }));
    }
    return forward(req, res, body);
  }
  forward(req, res, null);
}).listen(port, '127.0.0.1', () => console.log(`console on http://127.0.0.1:${port}/ -> ${upHost}:${upPort}`));

function forward(req, res, body) {
  const up = http.request({ host: upHost, port: upPort, method: req.method, path: req.url, headers: req.headers }, (r) => {
    res.writeHead(r.statusCode, r.headers);
    r.pipe(res);
  });
  up.on('error', (e) => res.writeHead(502).end(String(e)));
  if (body === null) req.pipe(up);
  else up.end(body);
}

/** Check a request's SigV4 signature: null if good, else [status, __type, message]. */
function verify(req, body) {
  const auth = req.headers.authorization;
  if (!auth) return [400, 'MissingAuthenticationTokenException', 'Missing Authentication Token'];
  const m = auth.match(/^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, SignedHeaders=([^,]+), Signature=([0-9a-f]{64})$/);
  if (!m) return [400, 'IncompleteSignatureException', 'malformed Authorization header'];
  const [, key, day, region, service, signedHeaders, signature] = m;
  if (key !== sigKey) return [400, 'UnrecognizedClientException', 'The security token included in the request is invalid.'];
  if (service !== 'states') return [400, 'InvalidSignatureException', 'wrong service'];
  const names = signedHeaders.split(';');
  if (!names.includes('host') || !names.includes('x-amz-date')) return [400, 'IncompleteSignatureException', 'host and x-amz-date must be signed'];
  const canonical = [
    req.method,
    new URL(req.url, 'http://x').pathname,
    '',
    names.map((n) => `${n}:${String(req.headers[n] ?? '').trim().replace(/\s+/g, ' ')}\n`).join(''),
    signedHeaders,
    createHash('sha256').update(body).digest('hex'),
  ].join('\n');
  const scope = `${day}/${region}/${service}/aws4_request`;
  const toSign = ['AWS4-HMAC-SHA256', req.headers['x-amz-date'], scope, createHash('sha256').update(canonical).digest('hex')].join('\n');
  let k = createHmac('sha256', `AWS4${sigSecret}`).update(day).digest();
  for (const part of [region, service, 'aws4_request']) k = createHmac('sha256', k).update(part).digest();
  const expected = createHmac('sha256', k).update(toSign).digest('hex');
  if (expected !== signature) return [400, 'InvalidSignatureException', 'The request signature we calculated does not match the signature you provided.'];
  return null;
}
