// The console's only way to the server: the public Step Functions API
// (AWS JSON 1.0 on `POST /`) and the execution stream (`POST /console/stream`),
// signed with SigV4 when the user has signed in.

import { signRequest } from './sigv4.js';

const CREDENTIALS_KEY = 'stepwell.credentials';
const JSON_TYPE = 'application/x-amz-json-1.0';

/** The signing credentials kept for this browser tab, or null. */
export function credentials() {
  try {
    const c = JSON.parse(sessionStorage.getItem(CREDENTIALS_KEY) || 'null');
    return c && c.accessKeyId && c.secretAccessKey ? c : null;
  } catch {
    return null;
  }
}

export function setCredentials(c) {
  sessionStorage.setItem(CREDENTIALS_KEY, JSON.stringify(c));
}

export function clearCredentials() {
  sessionStorage.removeItem(CREDENTIALS_KEY);
}

/** An error the API answered with (`__type` and `message`). */
export class ApiError extends Error {
  constructor(type, message, status) {
    super(message || type || `HTTP ${status}`);
    this.type = type || `HTTP${status}`;
    this.status = status;
  }
}

const AUTH_ERRORS = new Set([
  'MissingAuthenticationToken',
  'MissingAuthenticationTokenException',
  'UnrecognizedClientException',
  'InvalidSignatureException',
  'IncompleteSignature',
  'IncompleteSignatureException',
  'InvalidClientTokenId',
  'SignatureDoesNotMatch',
  'AccessDeniedException',
  'ExpiredTokenException',
]);

/** Whether an error means "sign in (again)". */
export function isAuthError(e) {
  return e instanceof ApiError && (AUTH_ERRORS.has(e.type) || e.status === 401 || e.status === 403);
}

async function headersFor(path, headers, body) {
  const cred = credentials();
  if (!cred) return headers;
  return signRequest({ method: 'POST', path, host: location.host, headers, body, credentials: cred });
}

async function errorOf(res) {
  let data = {};
  try {
    data = await res.json();
  } catch {
    // Not JSON: keep the status.
  }
  // `__type` may carry a namespace: `com.amazonaws.states#ExecutionDoesNotExist`.
  const type = String(data.__type || '').split('#').pop();
  return new ApiError(type, data.message || data.Message, res.status);
}

/** Call one API operation (`ListStateMachines`, …) and return its response. */
export async function call(operation, input = {}) {
  const body = JSON.stringify(input);
  const headers = await headersFor(
    '/',
    { 'Content-Type': JSON_TYPE, 'X-Amz-Target': `AWSStepFunctions.${operation}` },
    body,
  );
  const res = await fetch('/', { method: 'POST', headers, body, cache: 'no-store' });
  if (!res.ok) throw await errorOf(res);
  const text = await res.text();
  return text ? JSON.parse(text) : {};
}

/**
 * Follow an execution: yields `{events, status}` messages from the server's
 * event stream until it ends (after the execution ends) or `signal` aborts.
 * The first message carries every event so far, later ones only new events.
 */
export async function* stream(executionArn, signal) {
  const body = JSON.stringify({ executionArn });
  const headers = await headersFor(
    '/console/stream',
    { 'Content-Type': JSON_TYPE, Accept: 'text/event-stream' },
    body,
  );
  const res = await fetch('/console/stream', { method: 'POST', headers, body, signal, cache: 'no-store' });
  if (!res.ok) throw await errorOf(res);
  if (!res.body) throw new ApiError('NoStream', 'the response has no body', res.status);
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += value;
    // Server-sent events are separated by a blank line.
    let cut;
    while ((cut = buffer.search(/\r?\n\r?\n/)) >= 0) {
      const block = buffer.slice(0, cut);
      buffer = buffer.slice(cut).replace(/^\r?\n\r?\n/, '');
      const data = block
        .split(/\r?\n/)
        .filter((line) => line.startsWith('data:'))
        .map((line) => line.slice(5).replace(/^ /, ''))
        .join('\n');
      if (!data) continue;
      const msg = JSON.parse(data);
      // The server reports a failure after the stream began as a message.
      if (msg.error) {
        const type = String(msg.error.__type || '').split('#').pop();
        throw new ApiError(type, msg.error.message, 500);
      }
      yield msg;
    }
  }
}
