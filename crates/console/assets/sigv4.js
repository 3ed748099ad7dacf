// AWS Signature Version 4 for the console's requests, with WebCrypto.
//
// Only what the console sends is covered: a POST with a body, no query
// string, to a path made of plain segments. Every header given is signed
// (names lower-cased and sorted), plus `host`, which the browser sets from
// the page's address and which the server sees unchanged.

const enc = new TextEncoder();

function hex(buffer) {
  return Array.from(new Uint8Array(buffer), (b) => b.toString(16).padStart(2, '0')).join('');
}

async function sha256(data) {
  return crypto.subtle.digest('SHA-256', typeof data === 'string' ? enc.encode(data) : data);
}

async function hmac(key, data) {
  const k = await crypto.subtle.importKey(
    'raw',
    typeof key === 'string' ? enc.encode(key) : key,
    { name: 'HMAC', hash: 'SHA-256' },
    false,
    ['sign'],
  );
  return crypto.subtle.sign('HMAC', k, enc.encode(data));
}

/** `20240102T030405Z` for a Date. */
export function amzDate(date) {
  return date.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
}

/** RFC 3986 encoding of one path segment, as SigV4 wants it. */
function encodeSegment(s) {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase());
}

/**
 * Sign a request. Returns the headers to send: the given ones plus
 * `X-Amz-Date`, `Authorization` and, with a session token,
 * `X-Amz-Security-Token`.
 *
 * @param {object} req
 * @param {string} req.method
 * @param {string} req.path      e.g. `/` or `/console/stream`
 * @param {string} req.host      e.g. `location.host`
 * @param {Object<string,string>} req.headers
 * @param {string} req.body
 * @param {{accessKeyId: string, secretAccessKey: string, sessionToken?: string, region: string}} req.credentials
 * @param {string} [req.service] defaults to `states`
 * @param {Date} [req.now]
 */
export async function signRequest(req) {
  const { credentials: cred } = req;
  const service = req.service || 'states';
  const stamp = amzDate(req.now || new Date());
  const day = stamp.slice(0, 8);
  const out = { ...req.headers, 'X-Amz-Date': stamp };
  if (cred.sessionToken) out['X-Amz-Security-Token'] = cred.sessionToken;

  const signed = { host: req.host };
  for (const [k, v] of Object.entries(out)) {
    signed[k.toLowerCase()] = String(v).trim().replace(/\s+/g, ' ');
  }
  const names = Object.keys(signed).sort();
  const canonicalHeaders = names.map((n) => `${n}:${signed[n]}\n`).join('');
  const signedHeaders = names.join(';');
  const path = req.path.split('/').map(encodeSegment).join('/') || '/';
  const canonical = [
    req.method.toUpperCase(),
    path,
    '',
    canonicalHeaders,
    signedHeaders,
    hex(await sha256(req.body || '')),
  ].join('\n');
  const scope = `${day}/${cred.region}/${service}/aws4_request`;
  const toSign = ['AWS4-HMAC-SHA256', stamp, scope, hex(await sha256(canonical))].join('\n');

  let key = await hmac('AWS4' + cred.secretAccessKey, day);
  key = await hmac(key, cred.region);
  key = await hmac(key, service);
  key = await hmac(key, 'aws4_request');
  const signature = hex(await hmac(key, toSign));

  out.Authorization =
    `AWS4-HMAC-SHA256 Credential=${cred.accessKeyId}/${scope}, ` +
    `SignedHeaders=${signedHeaders}, Signature=${signature}`;
  return out;
}
