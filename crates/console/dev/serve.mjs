// Development server for the console: serves crates/console/assets from disk
// (edit, reload, no cargo build) and forwards everything else (the API on
// POST /, the /console/stream) to a running `stepwell serve`.
//
//   stepwell serve --port 8083 &
//   node crates/console/dev/serve.mjs [--port 8090] [--upstream 127.0.0.1:8083]
//
// Requests are forwarded unchanged, Host header included, so SigV4 works
// through it: start the upstream with `stepwell serve --access-key ID:SECRET`
// to try the console's sign-in form and its signing.
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
  forward(req, res);
}).listen(port, '127.0.0.1', () => console.log(`console on http://127.0.0.1:${port}/ -> ${upHost}:${upPort}`));

function forward(req, res) {
  const up = http.request({ host: upHost, port: upPort, method: req.method, path: req.url, headers: req.headers }, (r) => {
    res.writeHead(r.statusCode, r.headers);
    r.pipe(res);
  });
  up.on('error', (e) => res.writeHead(502).end(String(e)));
  req.pipe(up);
}
