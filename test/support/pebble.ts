// A real ACME CA for tests: Debian's pebble, with pebble-challtestsrv as its
// DNS server (every name is 127.0.0.1, no IPv6), on free loopback ports. Its
// listener gets a throwaway certificate made with openssl, which clients trust
// as `caBundlePem`; the CA's own root (for verifying what it issues) is new on
// every start and read from the management interface. Processes are started
// and stopped by their own PIDs only.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { get } from 'node:https';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from './server-helpers.js';

export interface PebbleOptions {
  /** The port pebble connects to for HTTP-01 validation (where the test serves the challenge files). */
  httpPort: number;
  /** The port for TLS-ALPN-01 (unused by calma, but pebble wants one). */
  tlsPort?: number;
  /** Lifetime of issued certificates (pebble's `certificateValidityPeriod`; default about 5 years). */
  certValiditySeconds?: number;
}

export interface Pebble {
  directoryUrl: string;
  /** The listener's certificate: what an ACME client must trust to talk to this pebble. */
  caBundlePem: string;
  /** The root that signs this run's certificates (changes on every start). */
  rootPem(): Promise<string>;
  /** Stops pebble and its DNS server (the CA is down). */
  stop(): Promise<void>;
  /** Starts them again on the same ports, with a new root and no accounts. */
  start(): Promise<void>;
  /** Stops everything and deletes the temporary directory. */
  close(): Promise<void>;
}

const run = promisify(execFile);
const READY_MS = 10_000;

export async function startPebble(opts: PebbleOptions): Promise<Pebble> {
  const dir = mkdtempSync(join(tmpdir(), 'calma-pebble-'));
  try {
    return await setUp(dir, opts);
  } catch (e) {
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
}

async function setUp(dir: string, opts: PebbleOptions): Promise<Pebble> {
  const cert = join(dir, 'listener.pem');
  const key = join(dir, 'listener.key');
  const listener = await selfSignedCert({ names: ['localhost'], ips: ['127.0.0.1'] });
  writeFileSync(cert, listener.certPem);
  writeFileSync(key, listener.keyPem, { mode: 0o600 });
  const caBundlePem = listener.certPem;
  const [acmePort, mgmtPort, challMgmtPort, dnsPort] = [await freePort(), await freePort(), await freePort(), await freeUdpPort()];
  const config = join(dir, 'pebble.json');
  writeFileSync(
    config,
    JSON.stringify({
      pebble: {
        listenAddress: `127.0.0.1:${acmePort}`,
        managementListenAddress: `127.0.0.1:${mgmtPort}`,
        certificate: cert,
        privateKey: key,
        httpPort: opts.httpPort,
        tlsPort: opts.tlsPort ?? (await freePort()),
        ocspResponderURL: '',
        externalAccountBindingRequired: false,
        ...(opts.certValiditySeconds === undefined ? {} : { certificateValidityPeriod: opts.certValiditySeconds }),
      },
    }),
  );
  const dns = `127.0.0.1:${dnsPort}`;
  const directoryUrl = `https://127.0.0.1:${acmePort}/dir`;
  let procs: Spawned[] = [];

  const stop = async (): Promise<void> => {
    await Promise.all(procs.map((p) => p.stop()));
    procs = [];
  };
  const start = async (): Promise<void> => {
    if (procs.length > 0) return;
    procs.push(spawned('pebble-challtestsrv', ['-dns01', dns, '-http01', '', '-https01', '', '-tlsalpn01', '', '-management', `127.0.0.1:${challMgmtPort}`, '-defaultIPv4', '127.0.0.1', '-defaultIPv6', '']));
    // No sleeps before validation, no rejected nonces (the tests are about calma, not about client
    // retries), and no reuse of earlier authorizations: every order is validated, so a test can make it fail.
    procs.push(spawned('pebble', ['-config', config, '-dnsserver', dns], { PEBBLE_VA_NOSLEEP: '1', PEBBLE_WFE_NONCEREJECT: '0', PEBBLE_AUTHZREUSE: '0' }));
    try {
      await waitFor(() => Promise.all([fetchText(directoryUrl, caBundlePem), tcpOpen(challMgmtPort)]), procs);
    } catch (e) {
      await stop();
      throw e;
    }
  };

  await start();
  return {
    directoryUrl,
    caBundlePem,
    rootPem: () => fetchText(`https://127.0.0.1:${mgmtPort}/roots/0`, caBundlePem),
    stop,
    start,
    close: async () => {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A self-signed certificate (ECDSA P-256) made by openssl, for the listener and for tests of certificate handling. */
export async function selfSignedCert(opts: { names: string[]; ips?: string[]; days?: number }): Promise<{ certPem: string; keyPem: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'calma-cert-'));
  try {
    const san = [...opts.names.map((n) => `DNS:${n}`), ...(opts.ips ?? []).map((ip) => `IP:${ip}`)].join(',');
    const [cert, key] = [join(dir, 'cert.pem'), join(dir, 'key.pem')];
    await run('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', String(opts.days ?? 2),
      '-subj', `/CN=${opts.names[0] ?? 'localhost'}`, '-addext', `subjectAltName=${san}`, '-keyout', key, '-out', cert]);
    return { certPem: readFileSync(cert, 'utf8'), keyPem: readFileSync(key, 'utf8') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

interface Spawned {
  child: ChildProcess;
  /** The process's last output, for a failure message. */
  output(): string;
  stop(): Promise<void>;
}

function spawned(cmd: string, args: string[], env: Record<string, string> = {}): Spawned {
  const child = spawn(cmd, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const keep = (b: Buffer): void => void (output = (output + b.toString('utf8')).slice(-4000));
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  child.on('error', (e) => keep(Buffer.from(`${cmd}: ${e.message}\n`)));
  const exited = new Promise<void>((resolve) => child.once('close', () => resolve()));
  return {
    child,
    output: () => `${cmd}: ${output.trim()}`,
    stop: async () => {
      const pid = child.pid;
      if (child.exitCode !== null || child.signalCode !== null || pid === undefined) return;
      const signal = (name: NodeJS.Signals): void => {
        try {
          process.kill(pid, name);
        } catch {
          // already gone
        }
      };
      signal('SIGTERM');
      const timer = setTimeout(() => signal('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** Polls `probe` until it succeeds, failing early (with their output) when one of the processes dies. */
async function waitFor(probe: () => Promise<unknown>, procs: Spawned[]): Promise<void> {
  const deadline = Date.now() + READY_MS;
  for (;;) {
    const dead = procs.find((p) => p.child.pid === undefined || p.child.exitCode !== null || p.child.signalCode !== null); // no pid: could not start
    if (dead) throw new Error(`pebble did not start: ${dead.output()}`);
    try {
      await probe();
      return;
    } catch (e) {
      if (Date.now() > deadline) throw new Error(`pebble did not answer within ${READY_MS} ms (${(e as Error).message}): ${procs.map((p) => p.output()).join('; ')}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

/** GET over HTTPS trusting only `ca`, bounded; the body on 200. */
function fetchText(url: string, ca: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = get(url, { ca, agent: false, timeout: 5000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => (res.statusCode === 200 ? resolve(body) : reject(new Error(`GET ${url}: HTTP ${res.statusCode}`))));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${url}: timed out`)));
    req.on('error', reject);
  });
}

/** Resolves once something accepts TCP connections on 127.0.0.1:port. */
function tcpOpen(port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => {
      socket.destroy();
      resolve();
    });
    socket.on('error', reject);
  });
}

/** A UDP port free on 127.0.0.1 (challtestsrv answers DNS over UDP). */
function freeUdpPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createSocket('udp4');
    s.on('error', reject);
    s.bind(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}
