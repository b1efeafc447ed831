import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createFileOnce, replaceFile } from '../../src/certs/files.js';
import { challengeDir, envCertDir } from '../../src/certs/paths.js';
import { readCert, removeCert, writeCert } from '../../src/certs/store.js';
import { UserError } from '../../src/errors.js';
import { selfSignedCert } from '../support/pebble.js';

const mode = (path: string): number => statSync(path).mode & 0o777;

function withHome(fn: (home: string) => Promise<void>): () => Promise<void> {
  return async () => {
    const home = mkdtempSync(join(tmpdir(), 'calma-certs-'));
    try {
      await fn(home);
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  };
}

test(
  'writeCert: key and chain 0600 in 0700 directories, read back as a pair',
  withHome(async (home) => {
    mkdirSync(join(home, 'certs'), { mode: 0o755 }); // a looser directory from before is tightened
    const pair = await selfSignedCert({ names: ['shop.test'] });
    const paths = writeCert(home, 'shop', 'production', pair);
    assert.deepEqual(paths, { cert: join(home, 'certs', 'shop', 'production', 'cert.pem'), key: join(home, 'certs', 'shop', 'production', 'key.pem') });
    assert.equal(mode(paths.cert), 0o600);
    assert.equal(mode(paths.key), 0o600);
    for (const dir of ['certs', 'certs/shop', 'certs/shop/production']) assert.equal(mode(join(home, dir)), 0o700, dir);
    assert.deepEqual(readCert(home, 'shop', 'production'), { ...pair, paths });
    assert.equal(readCert(home, 'shop', 'staging'), undefined);
  }),
);

test(
  'writeCert replaces by rename: new files, no temporary ones left, old content gone',
  withHome(async (home) => {
    const first = await selfSignedCert({ names: ['shop.test'] });
    const second = await selfSignedCert({ names: ['shop.test', 'www.shop.test'] });
    const paths = writeCert(home, 'shop', 'production', first);
    const inodes = [statSync(paths.cert).ino, statSync(paths.key).ino];
    writeCert(home, 'shop', 'production', second);
    // A reader (nginx reloading) sees either the old file or the new one, never a half-written one.
    assert.notDeepEqual([statSync(paths.cert).ino, statSync(paths.key).ino], inodes);
    assert.deepEqual(readdirSync(envCertDir(home, 'shop', 'production')).sort(), ['cert.pem', 'key.pem']);
    assert.equal(readCert(home, 'shop', 'production')?.certPem, second.certPem);
  }),
);

test(
  'a pair a crash left half-replaced (new key, old chain) reads as no certificate',
  withHome(async (home) => {
    const old = await selfSignedCert({ names: ['shop.test'] });
    const paths = writeCert(home, 'shop', 'production', old);
    replaceFile(paths.key, (await selfSignedCert({ names: ['shop.test'] })).keyPem, 0o600);
    assert.equal(readCert(home, 'shop', 'production'), undefined);
  }),
);

test(
  'removeCert: the environment, then the app directory once empty',
  withHome(async (home) => {
    const pair = await selfSignedCert({ names: ['shop.test'] });
    writeCert(home, 'shop', 'production', pair);
    writeCert(home, 'shop', 'staging', pair);
    removeCert(home, 'shop', 'production');
    assert.equal(existsSync(join(home, 'certs', 'shop', 'production')), false);
    assert.equal(readCert(home, 'shop', 'staging')?.certPem, pair.certPem);
    removeCert(home, 'shop', 'staging');
    assert.equal(existsSync(join(home, 'certs', 'shop')), false);
    removeCert(home, 'shop', 'staging'); // nothing there: no error
  }),
);

test('names are validated before they become paths', () => {
  assert.throws(() => envCertDir('/h', '../etc', 'production'), UserError);
  assert.throws(() => envCertDir('/h', 'shop', 'prod/../x'), UserError);
  assert.throws(() => readCert('/h', 'Shop', 'production'), UserError);
  assert.equal(challengeDir('/h'), '/h/edge/acme-challenge');
});

test(
  'file modes hold under a strict umask; createFileOnce keeps the first writer',
  withHome(async (home) => {
    const umask = process.umask(0o077);
    try {
      const challenge = join(home, 'token');
      replaceFile(challenge, 'key-authorization', 0o644);
      assert.equal(mode(challenge), 0o644);
      const path = join(home, 'account.key');
      assert.equal(createFileOnce(path, 'first', 0o600), 'first');
      assert.equal(createFileOnce(path, 'second', 0o600), 'first');
      assert.equal(readFileSync(path, 'utf8'), 'first');
      assert.equal(mode(path), 0o600);
      assert.deepEqual(readdirSync(home).sort(), ['account.key', 'token']);
    } finally {
      process.umask(umask);
    }
  }),
);
