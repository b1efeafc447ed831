// Certificates from a real ACME CA: Debian's pebble on loopback validates
// HTTP-01 against a small Node server standing in for the edge (it serves the
// challenge directory the way nginx will). Nothing leaves 127.0.0.1.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import type acme from 'acme-client';
import { acmeClient, accountFiles } from '../../src/certs/account.js';
import { readCertInfo } from '../../src/certs/cert-info.js';
import { issueCertificate } from '../../src/certs/issue.js';
import { challengeDir } from '../../src/certs/paths.js';
import { readCert, writeCert } from '../../src/certs/store.js';
import { UnavailableError, UserError } from '../../src/errors.js';
import { startPebble, type Pebble } from '../support/pebble.js';
import { freePort, tempHome } from '../support/server-helpers.js';

const DOMAINS = ['a.test', 'b.test'];
const EMAIL = 'ops@calma.test';

/** Serves `/.well-known/acme-challenge/<token>` from `dir`, like the edge; records what was asked. */
async function challengeServer(dir: string): Promise<{ server: Server; port: number; asked: string[]; answering: boolean }> {
  const web = { server: undefined as unknown as Server, port: 0, asked: [] as string[], answering: true };
  web.server = createServer((req, res) => {
    const m = /^\/\.well-known\/acme-challenge\/([A-Za-z0-9_-]+)$/.exec(req.url ?? '');
    web.asked.push(req.url ?? '');
    try {
      if (!m || !web.answering) throw new Error('not a challenge');
      res.end(readFileSync(join(dir, m[1]!)));
    } catch {
      res.statusCode = 404;
      res.end();
    }
  });
  web.port = await freePort();
  await new Promise<void>((resolve) => web.server.listen(web.port, '127.0.0.1', resolve));
  return web;
}

/** Each certificate of the chain is signed by the next, and the last by `rootPem`. */
function assertChainsTo(chainPem: string, rootPem: string): void {
  const certs = (chainPem.match(/-----BEGIN CERTIFICATE-----[^-]+-----END CERTIFICATE-----/g) ?? []).map((p) => new X509Certificate(p));
  assert.ok(certs.length >= 2, 'a leaf and at least one intermediate');
  const chain = [...certs, new X509Certificate(rootPem)];
  for (let i = 0; i + 1 < chain.length; i++) {
    assert.ok(chain[i]!.checkIssued(chain[i + 1]!), `certificate ${i} is issued by the next`);
    assert.ok(chain[i]!.verify(chain[i + 1]!.publicKey), `certificate ${i} is signed by the next`);
  }
}

const mode = (path: string): number => statSync(path).mode & 0o777;

describe('issuing certificates from pebble', { timeout: 90_000 }, () => {
  const { home, cleanup } = tempHome();
  const dir = challengeDir(home);
  let web: Awaited<ReturnType<typeof challengeServer>>;
  let pebble: Pebble;
  let client: acme.Client;
  const issue = (c: acme.Client) => issueCertificate(c, { domains: DOMAINS, challengeDir: dir, skipChallengeVerification: true });

  before(async () => {
    web = await challengeServer(dir);
    pebble = await startPebble({ httpPort: web.port, certValiditySeconds: 3600 });
    client = await acmeClient(home, { directoryUrl: pebble.directoryUrl, email: EMAIL, caBundlePem: pebble.caBundlePem });
  });

  after(async () => {
    await pebble?.close();
    await new Promise((resolve) => web?.server.close(resolve));
    cleanup();
  });

  test('the account key and record are kept private', () => {
    const files = accountFiles(home, pebble.directoryUrl, EMAIL);
    assert.equal(mode(files.key), 0o600);
    assert.equal(mode(files.record), 0o600);
    assert.equal(mode(join(home, 'certs', 'accounts')), 0o700);
    const record = JSON.parse(readFileSync(files.record, 'utf8')) as { directoryUrl: string; email: string; accountUrl: string };
    assert.equal(record.directoryUrl, pebble.directoryUrl);
    assert.equal(record.email, EMAIL);
    assert.match(record.accountUrl, /^https:\/\/127\.0\.0\.1:\d+\//);
  });

  test('a certificate for two names, validated over HTTP-01, chaining to the CA root', async () => {
    const issued = await issue(client);
    const info = readCertInfo(issued.certPem);
    assert.deepEqual([...info.names].sort(), DOMAINS);
    // pebble's certificateValidityPeriod is honoured (it counts the last second inclusively).
    assert.ok(Math.abs(info.notAfter.getTime() - info.notBefore.getTime() - 3600_000) <= 1000);
    assert.match(info.issuer, /Pebble Intermediate CA/);
    assertChainsTo(issued.certPem, await pebble.rootPem());
    // pebble fetched one token per name from our server (each possibly more than once), and the answers were cleaned up.
    assert.equal(new Set(web.asked.filter((u) => u.startsWith('/.well-known/acme-challenge/'))).size, 2);
    assert.deepEqual(readdirSync(dir), []);
    assert.equal(mode(dir), 0o755);

    const paths = writeCert(home, 'shop', 'production', issued);
    assert.equal(mode(paths.cert), 0o600);
    assert.equal(mode(paths.key), 0o600);
    assert.equal(readCert(home, 'shop', 'production')?.certPem, issued.certPem);
  });

  test('a name the edge does not answer for fails with what the CA said', async () => {
    web.answering = false;
    try {
      await assert.rejects(issue(client), (e: Error) => {
        assert.ok(e instanceof UserError && !(e instanceof UnavailableError), `${e.name}: ${e.message}`);
        assert.match(e.message, /^getting a certificate for a\.test, b\.test from https:\/\/127\.0\.0\.1:\d+\/dir failed: .*404/);
        assert.doesNotMatch(e.message, /\n/);
        return true;
      });
    } finally {
      web.answering = true;
    }
    assert.deepEqual(readdirSync(dir), []);
  });

  test('with the CA down it fails fast with one clear line, and works again once it is back', async () => {
    await pebble.stop();
    const started = Date.now();
    await assert.rejects(issue(client), (e: Error) => {
      assert.ok(e instanceof UnavailableError, `an UnavailableError, got ${e.name}: ${e.message}`);
      assert.match(e.message, /^the ACME server https:\/\/127\.0\.0\.1:\d+\/dir is unreachable: .*ECONNREFUSED/);
      return true;
    });
    assert.ok(Date.now() - started < 5000, 'no minute of retries before saying so');

    await pebble.start();
    // A restarted pebble has forgotten every account: a new client registers again.
    const again = await acmeClient(home, { directoryUrl: pebble.directoryUrl, email: EMAIL, caBundlePem: pebble.caBundlePem });
    const issued = await issue(again);
    assertChainsTo(issued.certPem, await pebble.rootPem());
  });

  test("without the CA bundle, the server's certificate is refused and said so", async () => {
    await assert.rejects(acmeClient(home, { directoryUrl: pebble.directoryUrl, email: EMAIL }), /is unreachable: .*certificate/);
  });
});
