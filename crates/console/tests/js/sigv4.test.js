// SigV4 signatures checked against botocore's (computed once with
// botocore.auth.SigV4Auth for the same request, credentials and time).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { signRequest, amzDate } from '../../assets/sigv4.js';

const credentials = {
  accessKeyId: 'AKIDEXAMPLE',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
  region: 'us-east-1',
};
const now = new Date(Date.UTC(2026, 10, 21, 20, 21, 44));

test('amzDate', () => {
  assert.equal(amzDate(now), '20261121T202144Z');
});

const cases = [
  {
    name: 'an API call',
    path: '/',
    headers: {
      'Content-Type': 'application/x-amz-json-1.0',
      'X-Amz-Target': 'AWSStepFunctions.ListStateMachines',
    },
    body: '{}',
    credentials,
    authorization:
      'AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261121/us-east-1/states/aws4_request, ' +
      'SignedHeaders=content-type;host;x-amz-date;x-amz-target, ' +
      'Signature=7a8428c84c19268718232ae475b4eaf80fd278f7cb31d5cc4c739ea97e3caa3e',
  },
  {
    name: 'the console stream with a session token',
    path: '/console/stream',
    headers: { 'Content-Type': 'application/x-amz-json-1.0' },
    body: '{"executionArn":"arn:aws:states:us-east-1:123456789012:execution:m:e"}',
    credentials: { ...credentials, sessionToken: 'SESSIONTOKEN' },
    authorization:
      'AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261121/us-east-1/states/aws4_request, ' +
      'SignedHeaders=content-type;host;x-amz-date;x-amz-security-token, ' +
      'Signature=5fc4ccd93bf77ddfad12cf46868dc395343c4fcbab019d55adf16a2897553356',
  },
];

for (const c of cases) {
  test(`signature of ${c.name} matches botocore`, async () => {
    const headers = await signRequest({
      method: 'POST',
      path: c.path,
      host: '127.0.0.1:8083',
      headers: c.headers,
      body: c.body,
      credentials: c.credentials,
      now,
    });
    assert.equal(headers.Authorization, c.authorization);
    assert.equal(headers['X-Amz-Date'], '20261121T202144Z');
    assert.equal(headers['X-Amz-Security-Token'], c.credentials.sessionToken);
  });
}
