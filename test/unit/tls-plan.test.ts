import { test } from 'node:test';
import assert from 'node:assert/strict';
import { planCert } from '../../src/tls/plan.js';
import type { CertRow } from '../../src/state/certs.js';

const now = new Date('2026-11-25T12:00:00Z');
const later = new Date('2027-01-01T00:00:00Z');
const row = (o: Partial<CertRow> = {}): CertRow => ({
  app: 'shop',
  env: 'production',
  source: 'acme',
  names: ['shop.example.com', 'www.shop.example.com'],
  serial: '01',
  issuer: 'CN=ca',
  notBefore: '2026-11-01T00:00:00Z',
  notAfter: '2027-01-30T00:00:00Z',
  lastAttemptAt: null,
  lastError: null,
  failures: 0,
  nextAttemptAt: null,
  ...o,
});
const base = { https: true, domains: ['shop.example.com', 'www.shop.example.com'], publicDirectory: true, row: undefined, renewAt: undefined, now };

test('nothing to do without https or domains', () => {
  assert.equal(planCert({ ...base, https: false }).kind, 'none');
  assert.equal(planCert({ ...base, domains: [] }).kind, 'none');
});

test('a first certificate, a renewal when due, a new one when the names changed', () => {
  assert.deepEqual(planCert(base), { kind: 'issue', reason: 'missing' });
  assert.deepEqual(planCert({ ...base, row: row(), renewAt: later }), { kind: 'keep', until: later });
  assert.deepEqual(planCert({ ...base, row: row(), renewAt: new Date('2026-11-20T00:00:00Z') }), { kind: 'issue', reason: 'renewal' });
  assert.deepEqual(planCert({ ...base, domains: [...base.domains, 'api.shop.example.com'], row: row(), renewAt: later }), { kind: 'issue', reason: 'names changed' });
});

test('after a failure calma waits for the backoff, then retries; the certificate in place stays', () => {
  const failed = row({ notAfter: null, names: base.domains, failures: 2, lastError: 'CA down', nextAttemptAt: '2026-11-25T12:05:00Z' });
  assert.deepEqual(planCert({ ...base, row: failed }), { kind: 'wait', until: new Date('2026-11-25T12:05:00Z') });
  assert.deepEqual(planCert({ ...base, row: failed, now: new Date('2026-11-25T12:06:00Z') }), { kind: 'issue', reason: 'retry' });
});

test('custom certificates win; wildcards are refused; non-public names stay on HTTP with a public CA only', () => {
  assert.equal(planCert({ ...base, row: row({ source: 'custom' }) }).kind, 'keep');
  const wild = planCert({ ...base, domains: ['*.shop.example.com'] });
  assert.equal(wild.kind, 'refuse');
  assert.match((wild as { why: string }).why, /DNS-01/);
  assert.equal(planCert({ ...base, domains: ['shop.test'] }).kind, 'none');
  assert.equal(planCert({ ...base, domains: ['hello.localhost'] }).kind, 'none');
  assert.deepEqual(planCert({ ...base, domains: ['shop.test'], publicDirectory: false }), { kind: 'issue', reason: 'missing' });
});
