import { test } from 'node:test';
import assert from 'node:assert/strict';
import { covers, keyMatchesCert, readCertInfo } from '../../src/certs/cert-info.js';
import { UserError } from '../../src/errors.js';
import { selfSignedCert } from '../support/pebble.js';

const DAY = 24 * 3600_000;

test('readCertInfo: SAN DNS names only, issuer, validity and serial of the leaf', async () => {
  const leaf = await selfSignedCert({ names: ['x.test', '*.y.test'], ips: ['127.0.0.1'], days: 3 });
  const other = await selfSignedCert({ names: ['other.test'] });
  const info = readCertInfo(leaf.certPem + other.certPem); // a chain: the first certificate counts
  assert.deepEqual(info.names, ['x.test', '*.y.test']);
  assert.equal(info.issuer, 'CN=x.test');
  assert.equal(info.notAfter.getTime() - info.notBefore.getTime(), 3 * DAY);
  assert.ok(Math.abs(info.notBefore.getTime() - Date.now()) < 60_000);
  assert.match(info.serial, /^[0-9A-F]+$/);
  assert.throws(() => readCertInfo('not a certificate'), UserError);
});

test('keyMatchesCert: only the key the certificate was made for', async () => {
  const a = await selfSignedCert({ names: ['a.test'] });
  const b = await selfSignedCert({ names: ['b.test'] });
  assert.equal(keyMatchesCert(a.certPem, a.keyPem), true);
  assert.equal(keyMatchesCert(a.certPem, b.keyPem), false);
  assert.equal(keyMatchesCert(a.certPem, 'garbage'), false);
  assert.equal(keyMatchesCert('garbage', a.keyPem), false);
});

test('covers: exact names (any case) and a wildcard for exactly one label', () => {
  const names = ['shop.test', '*.Apps.Test'];
  assert.equal(covers(names, 'shop.test'), true);
  assert.equal(covers(names, 'SHOP.test'), true);
  assert.equal(covers(names, 'www.shop.test'), false);
  assert.equal(covers(names, 'a.apps.test'), true);
  assert.equal(covers(names, 'a.b.apps.test'), false);
  assert.equal(covers(names, 'apps.test'), false);
  assert.equal(covers(names, '.apps.test'), false);
  assert.equal(covers([], 'shop.test'), false);
});
