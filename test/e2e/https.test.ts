// HTTPS through the real executable, daemon and nginx, with a real ACME CA on
// loopback (pebble, validating HTTP-01 against the edge): a certificate for
// two names served and verified against pebble's root, redirects, the
// challenge path left alone, a forced renewal served without a redeploy, the
// CA down (the deploy still succeeds over HTTP, the failure is reported, the
// certificate comes once it is back), and a custom certificate.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { request } from 'node:http';
import { connect, type PeerCertificate } from 'node:tls';
import { appFromFixture, commitAll, uniqueApp, type AppDir } from '../support/app-dir.js';
import { calma } from '../support/cli.js';
import { getVia, removeApp } from '../support/deploy-env.js';
import { startPebble, selfSignedCert, type Pebble } from '../support/pebble.js';
import { freePort, tempHome } from '../support/server-helpers.js';
import { startCliServer, type RunningServer } from '../support/server-cli.js';

interface Cert {
  app: string;
  env: string;
  source: string;
  names: string[];
  serial: string | null;
  notAfter: string | null;
  lastError: string | null;
}

/** GET over TLS to the edge with SNI; the chain must verify against `ca` unless ca is undefined. */
function getTls(port: number, servername: string, ca: string | undefined, path = '/'): Promise<{ status: number; body: string; cert: PeerCertificate; headers: Record<string, string> }> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port, servername, ...(ca ? { ca } : { rejectUnauthorized: false }), ALPNProtocols: ['http/1.1'] }, () => {
      const cert = socket.getPeerCertificate();
      const req = request({ createConnection: () => socket, path, headers: { host: servername }, timeout: 5000 }, (res) => {
        let body = '';
        res.on('data', (d: Buffer) => (body += d.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body, cert, headers: res.headers as Record<string, string> }));
      });
      req.on('error', reject);
      req.end();
    });
    socket.on('error', reject);
    socket.setTimeout(5000, () => socket.destroy(new Error('timeout')));
  });
}

function rawHttp(port: number, host: string, method: string, path: string): Promise<{ status: number; location: string | undefined }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method, path, headers: { host }, timeout: 5000 }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, location: res.headers.location }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('HTTPS with ACME', () => {
  const home = tempHome();
  const env = { CALMA_HOME: home.home };
  const apps = [uniqueApp('tls'), uniqueApp('tls'), uniqueApp('tls')] as const;
  const dirs: AppDir[] = [];
  let httpPort = 0;
  let httpsPort = 0;
  let pebble: Pebble;
  let server: RunningServer;
  const config = (app: string, domains: string[], version = 'v1') =>
    `app: ${app}\nbuild:\n  args:\n    VERSION: ${version}\nweb:\n  port: 8080\n  healthcheck:\n    path: /cgi-bin/up\n    interval: 100ms\n    deadline: 4s\n  drain: 1s\ndomains: [${domains.join(', ')}]\nhsts: true\n`;
  const certs = async (): Promise<Cert[]> => JSON.parse((await calma(['--json', 'certs'], { env })).stdout) as Cert[];
  const certOf = async (app: string) => (await certs()).find((c) => c.app === app);
  const waitCert = async (app: string, serialNot?: string, ms = 20_000): Promise<Cert> => {
    for (const end = Date.now() + ms; Date.now() < end; await new Promise((r) => setTimeout(r, 200))) {
      const c = await certOf(app);
      if (c?.notAfter && c.serial !== serialNot) return c;
    }
    throw new Error(`no certificate for ${app}: ${JSON.stringify(await certOf(app))}`);
  };
  const deploy = (i: number, domains: string[]) => {
    const dir = appFromFixture('web', apps[i]!, config(apps[i]!, domains));
    commitAll(dir);
    dirs.push(dir);
    return calma(['deploy', dir.dir], { env });
  };

  before(async () => {
    httpPort = await freePort();
    httpsPort = await freePort();
    pebble = await startPebble({ httpPort, tlsPort: httpsPort });
    const ca = join(home.home, 'pebble-listener.pem');
    writeFileSync(ca, pebble.caBundlePem);
    const args = ['--http-port', String(httpPort), '--https-port', String(httpsPort), '--edge-address', '127.0.0.1', '--app-dns', '127.0.0.1'];
    server = await startCliServer([...args, '--acme-directory', pebble.directoryUrl, '--acme-ca', ca, '--acme-email', 'ops@calma.test'], env);
  });
  after(async () => {
    if (process.env.CALMA_TEST_LOGS) process.stderr.write(server.logs());
    await server.stop();
    await pebble.close();
    for (const d of dirs) d.cleanup();
    home.cleanup();
    for (const a of apps) await removeApp(a);
  });

  test('a deploy with two domains gets one certificate, served over HTTPS and valid for pebble\'s root', async () => {
    const r = await deploy(0, ['one.tls.test', 'two.tls.test']);
    assert.equal(r.code, 0, r.stderr);
    const cert = await waitCert(apps[0]);
    assert.deepEqual([...cert.names].sort(), ['one.tls.test', 'two.tls.test']);
    const root = await pebble.rootPem();
    for (const name of ['one.tls.test', 'two.tls.test']) {
      const res = await getTls(httpsPort, name, root);
      assert.equal(res.status, 200);
      assert.equal(res.body, 'v1\n');
      assert.equal(res.headers['strict-transport-security'], 'max-age=31536000');
      assert.equal(res.cert.serialNumber.toLowerCase(), cert.serial!.toLowerCase());
    }
  });

  test('HTTP redirects (301 GET, 308 POST), except the challenge path; HSTS is not sent over HTTP', async () => {
    assert.deepEqual(await rawHttp(httpPort, 'one.tls.test', 'GET', '/a?b=1'), { status: 301, location: `https://one.tls.test:${httpsPort}/a?b=1` });
    assert.deepEqual(await rawHttp(httpPort, 'one.tls.test', 'POST', '/form'), { status: 308, location: `https://one.tls.test:${httpsPort}/form` });
    assert.equal((await rawHttp(httpPort, 'one.tls.test', 'GET', '/.well-known/acme-challenge/nothing-here')).status, 404);
    // A name calma has no certificate for: the handshake is refused, no other site's certificate is shown.
    await assert.rejects(getTls(httpsPort, 'unknown.tls.test', undefined), /unrecognized name/);
  });

  test('a forced renewal is served without a redeploy', async () => {
    const old = (await certOf(apps[0]))!;
    const r = await calma(['certs', 'renew', apps[0]], { env });
    assert.equal(r.code, 0, r.stderr);
    const renewed = await waitCert(apps[0], old.serial!);
    const res = await getTls(httpsPort, 'one.tls.test', await pebble.rootPem());
    assert.equal(res.cert.serialNumber.toLowerCase(), renewed.serial!.toLowerCase());
    assert.notEqual(renewed.serial, old.serial);
    assert.equal(res.body, 'v1\n');
  });

  test('with the CA down the deploy succeeds over HTTP and says why; the certificate comes once the CA is back', async () => {
    await pebble.stop();
    const r = await deploy(1, ['down.tls.test']);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(await getVia(httpPort, 'down.tls.test'), { status: 200, body: 'v1\n' });
    let failed: Cert | undefined;
    for (const end = Date.now() + 15_000; !failed?.lastError && Date.now() < end; await new Promise((r) => setTimeout(r, 200))) failed = await certOf(apps[1]);
    assert.ok(failed?.lastError, 'the failure is reported');
    assert.match((await calma(['certs', apps[1]], { env })).stdout, /failed \(1×\): .*; retry at /);
    await pebble.start();
    // No command: the daemon's own retry (15 s after the first failure) gets it.
    const cert = await waitCert(apps[1], undefined, 40_000);
    const res = await getTls(httpsPort, 'down.tls.test', await pebble.rootPem());
    assert.equal(res.status, 200);
    assert.equal(res.cert.serialNumber.toLowerCase(), cert.serial!.toLowerCase());
  });

  test('a custom certificate is checked, then served instead of ACME', async () => {
    assert.equal((await deploy(2, ['own.tls.test'])).code, 0);
    const wrongName = await selfSignedCert({ names: ['other.test'] });
    const kp = join(home.home, 'k.pem');
    const cp = join(home.home, 'c.pem');
    writeFileSync(cp, wrongName.certPem);
    writeFileSync(kp, wrongName.keyPem);
    const refused = await calma(['certs', 'add', apps[2], '--cert', cp, '--key', kp], { env });
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /does not cover own\.tls\.test/);
    const own = await selfSignedCert({ names: ['own.tls.test'] });
    writeFileSync(cp, own.certPem);
    writeFileSync(kp, wrongName.keyPem);
    assert.match((await calma(['certs', 'add', apps[2], '--cert', cp, '--key', kp], { env })).stderr, /key does not belong/);
    writeFileSync(kp, own.keyPem);
    const added = await calma(['certs', 'add', apps[2], '--cert', cp, '--key', kp], { env });
    assert.equal(added.code, 0, added.stderr);
    const res = await getTls(httpsPort, 'own.tls.test', own.certPem);
    assert.equal(res.body, 'v1\n');
    assert.equal((await certOf(apps[2]))?.source, 'custom');
  });
});
