// Bench 6: HTTPS at the edge, with a real ACME CA on loopback (Debian's pebble,
// validating HTTP-01 against the edge, no validation sleeps).
// (1) Time to HTTPS: from the exit of `calma deploy` of a new app with
//     `https: true` and two domains to the first HTTPS answer through the edge
//     whose certificate verifies against pebble's root, probed every 10 ms on a
//     new connection, and to when both names answer 20 times in a row (during
//     nginx's graceful reload a worker of the previous configuration can still
//     take a connection and refuse the new name); the median of 3 fresh apps,
//     all removed at the end, with where the time went (the ACME order, the
//     certificate on disk, `calma --json certs`), all on the wall clock.
// (2) Full TLS handshakes per second: a new connection each time, no session
//     offered, from a bounded number of clients for a bounded time, against
//     calma's edge and against a minimal hand-written nginx serving the same
//     certificate and key; rounds interleaved, medians.
import { statSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { connect, type TLSSocket } from 'node:tls';
import { calmaCli, mustDeploy, startDaemon, type Daemon } from './lib/calma.js';
import { cleanupAppsByPrefix, webAppDir, webCalmaYml } from './lib/docker.js';
import { startTlsNginx } from './lib/nginx.js';
import { acmeArgs, startBenchPebble } from './lib/pebble.js';
import { freePort, median, runId, runMain, sleep, table, tempDir } from './lib/run.js';

const APPS = 3;
const POLL_MS = 10;
const HTTPS_WITHIN_MS = 60_000;
/** HTTPS counts as steady once this many probes in a row (both names in turn) answered. */
const STEADY = 20;
const ROUNDS = 3;
const CLIENTS = Number(process.env.TLS_CLIENTS ?? 32);
const SECONDS = Number(process.env.TLS_SECONDS ?? 5);
/** At most this many handshakes per measure, whatever the time. */
const MAX_HANDSHAKES = 500_000;

/** Wall-clock milliseconds with sub-millisecond precision, comparable with file times and log times. */
const wallNow = (): number => performance.timeOrigin + performance.now();

interface Answer {
  status: number;
  body: string;
  serial: string;
}

/** GET / over a new TLS connection to the edge with SNI, the chain verified against `ca`; bounded to 2 s. */
function httpsGet(port: number, servername: string, ca: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port, servername, ca, ALPNProtocols: ['http/1.1'] }, () => {
      const serial = socket.getPeerCertificate().serialNumber;
      const req = request({ createConnection: () => socket, path: '/', headers: { host: servername, connection: 'close' } }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (body += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body, serial }));
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end();
    });
    socket.on('error', reject);
    socket.setTimeout(2000, () => socket.destroy(new Error('timeout after 2 s')));
  });
}

interface Sample {
  app: string;
  deployMs: number;
  /** Each relative to the deploy's exit, in ms (negative: before it). */
  requested: number;
  written: number;
  served: number;
  steady: number;
  listed: number;
  probes: number;
  /** Failed probes after the first verified answer (e.g. a connection an nginx worker of the previous configuration took). */
  flaps: number;
  errors: Set<string>;
}

/** One probe of a name on a new connection: the serial when it answered v1 with a chain verified against root, else the error in short. */
async function probe(d: Daemon, name: string, root: string): Promise<{ serial?: string; error?: string }> {
  try {
    const r = await httpsGet(d.httpsPort, name, root);
    if (r.status === 200 && r.body === 'v1\n') return { serial: r.serial };
    return { error: `HTTP ${r.status} ${r.body.slice(0, 100)}` };
  } catch (e) {
    return { error: why(e) };
  }
}

/** An error in short: OpenSSL's reason (e.g. "tlsv1 unrecognized name") rather than its whole message. */
function why(e: unknown): string {
  const err = e as Error & { reason?: unknown };
  return typeof err.reason === 'string' ? err.reason : err.message.split('\n')[0]!;
}

/**
 * Deploys a new app with two domains over HTTPS and measures, from the deploy's exit, when the
 * first verified HTTPS answer comes, then when both names answer STEADY times in a row.
 */
async function timeToHttps(d: Daemon, root: string, parent: string, app: string): Promise<Sample> {
  const domains = [`a.${app}.test`, `b.${app}.test`];
  const run = await mustDeploy(d, webAppDir(parent, app, webCalmaYml(app, domains, 'v1', '', true)));
  const exited = wallNow();
  const errors = new Set<string>();
  let [probes, flaps, inRow] = [0, 0, 0];
  let served: number | undefined;
  let steadySince = 0;
  let serial: string | undefined;
  while (inRow < STEADY) {
    const r = await probe(d, domains[probes++ % (served === undefined ? 1 : 2)]!, root);
    const at = wallNow() - exited;
    if (r.serial !== undefined) {
      if (serial !== undefined && r.serial !== serial) throw new Error(`${app}: serial ${r.serial} after ${serial}`);
      serial = r.serial;
      served ??= at;
      if (inRow++ === 0) steadySince = at;
      continue;
    }
    errors.add(r.error!);
    inRow = 0;
    if (served !== undefined) flaps++;
    if (at > HTTPS_WITHIN_MS) throw new Error(`${app}: no steady verified HTTPS ${HTTPS_WITHIN_MS} ms after the deploy (last: ${r.error})\n-- daemon log --\n${d.logs().slice(-3000)}`);
    await sleep(POLL_MS);
  }
  const [cert] = JSON.parse(await calmaCli(d, ['--json', 'certs', app])) as { serial: string | null; lastAttemptAt: string | null }[];
  if (cert?.serial?.toLowerCase() !== serial!.toLowerCase() || !cert.lastAttemptAt) throw new Error(`${app}: calma certs lists ${JSON.stringify(cert)}, the edge serves serial ${serial}`);
  const requestedLine = d.logs().split('\n').find((l) => l.includes('"msg":"certificate requested"') && l.includes(`"app":"${app}"`));
  const requestedAt = requestedLine ? Date.parse((JSON.parse(requestedLine) as { time: string }).time) : NaN;
  return {
    app,
    deployMs: run.ms,
    requested: requestedAt - exited,
    written: statSync(join(d.home, 'certs', app, 'production', 'cert.pem')).mtimeMs - exited,
    served: served!,
    steady: steadySince,
    listed: Date.parse(cert.lastAttemptAt) - exited,
    probes,
    flaps,
    errors,
  };
}

interface Handshakes {
  /** Completed full handshakes (not resumed). */
  done: number;
  resumed: number;
  errors: number;
  failures: Map<string, number>;
  elapsedMs: number;
  /** Protocol, cipher and key exchange of the first one. */
  negotiated: string;
}

/** `clients` loops, each opening a new TLS connection (no session offered), closing it once the handshake is done; bounded by time and count. */
async function handshakes(port: number, servername: string, maxMs: number): Promise<Handshakes> {
  const r: Handshakes = { done: 0, resumed: 0, errors: 0, failures: new Map(), elapsedMs: 0, negotiated: '' };
  const t0 = performance.now();
  const once = (): Promise<void> =>
    new Promise((resolve) => {
      const socket: TLSSocket = connect({ host: '127.0.0.1', port, servername, rejectUnauthorized: false }, () => {
        if (socket.isSessionReused()) r.resumed++;
        else r.done++;
        const key = socket.getEphemeralKeyInfo();
        r.negotiated ||= [socket.getProtocol(), socket.getCipher().name, key && 'name' in key ? key.name : ''].filter(Boolean).join(' ');
        socket.destroy();
        resolve();
      });
      socket.setTimeout(5000, () => socket.destroy(new Error('timeout after 5 s')));
      socket.on('error', (e) => {
        r.errors++;
        r.failures.set(why(e), (r.failures.get(why(e)) ?? 0) + 1);
        resolve();
      });
    });
  const client = async (): Promise<void> => {
    while (performance.now() - t0 < maxMs && r.done + r.resumed + r.errors < MAX_HANDSHAKES) await once();
  };
  await Promise.all(Array.from({ length: CLIENTS }, client));
  r.elapsedMs = performance.now() - t0;
  return r;
}

const rate = (h: Handshakes): number => (h.done * 1000) / h.elapsedMs;
const ms = (v: number): string => (Number.isFinite(v) ? v.toFixed(0) : '-');

runMain('tls', async () => {
  const prefix = `btl-${runId()}-`;
  cleanupAppsByPrefix(prefix);
  const [httpPort, httpsPort] = [await freePort(), await freePort()];
  const ca = await startBenchPebble(httpPort, httpsPort);
  const daemon = await startDaemon({ httpPort, httpsPort, args: acmeArgs(ca) });
  const parent = tempDir('calma-bench-tls-');

  // (1) Time to HTTPS, one fresh app at a time. They are removed at the end: the daemon keeps
  // asking for a removed app's certificate, which would run beside the next measures.
  const samples: Sample[] = [];
  for (let i = 1; i <= APPS; i++) {
    const s = await timeToHttps(daemon, ca.rootPem, parent, `${prefix}${i}`);
    samples.push(s);
    process.stderr.write(`${s.app}: deploy ${ms(s.deployMs)} ms; after its exit: order ${ms(s.requested)} ms, cert.pem ${ms(s.written)} ms, HTTPS verified ${ms(s.served)} ms, steady ${ms(s.steady)} ms (${s.probes} probes, ${s.flaps} failed after the first success), in calma certs ${ms(s.listed)} ms\n`);
  }

  // (2) Handshakes: calma's edge for the last app, and a hand-written nginx with its certificate and key files.
  const app = samples[APPS - 1]!.app;
  const servername = `a.${app}.test`;
  const certDir = join(daemon.home, 'certs', app, 'production');
  const handPort = await freePort();
  await startTlsNginx(handPort, join(certDir, 'cert.pem'), join(certDir, 'key.pem'));
  const hand = await httpsGet(handPort, servername, ca.rootPem);
  if (hand.status !== 200 || hand.serial !== (await httpsGet(httpsPort, servername, ca.rootPem)).serial) throw new Error(`the hand-written nginx answers ${hand.status} with serial ${hand.serial}`);
  const targets = [
    { name: "calma's edge", port: httpsPort },
    { name: 'hand-written nginx, same cert and key, no session cache', port: handPort },
  ];
  const results = new Map<string, Handshakes[]>(targets.map((t) => [t.name, []]));
  for (const t of targets) await handshakes(t.port, servername, Math.min(1000, SECONDS * 1000)); // warm-up
  for (let round = 1; round <= ROUNDS; round++) {
    for (const t of round % 2 === 1 ? targets : [...targets].reverse()) {
      const h = await handshakes(t.port, servername, SECONDS * 1000);
      results.get(t.name)!.push(h);
      process.stderr.write(`round ${round} ${t.name}: ${rate(h).toFixed(0)} handshakes/s (${h.done} in ${(h.elapsedMs / 1000).toFixed(2)} s), ${h.errors} errors, ${h.resumed} resumed\n`);
    }
  }
  for (const s of samples) await calmaCli(daemon, ['apps', 'remove', s.app]);

  const med = (f: (s: Sample) => number): number => median(samples.map(f));
  const row = (label: string, f: (s: Sample) => number): string[] => [label, ...samples.map((s) => ms(f(s))), ms(med(f))];
  process.stdout.write(`\ntls: pebble on loopback (PEBBLE_VA_NOSLEEP=1, HTTP-01 against the edge); ${APPS} fresh apps, https: true, 2 domains each\n`);
  process.stdout.write(`\n(1) time to HTTPS, ms after \`calma deploy\` exits (negative: before), probed on a new verified connection, ${POLL_MS} ms after each failed one\n\n`);
  process.stdout.write(
    table([
      ['', ...samples.map((_, i) => `app ${i + 1}`), 'median'],
      row('calma deploy itself (start to exit)', (s) => s.deployMs),
      row('ACME order started (daemon log)', (s) => s.requested),
      row('certificate written (cert.pem mtime)', (s) => s.written),
      row('first HTTPS answer verified against the root', (s) => s.served),
      row(`steady: both names, ${STEADY} verified answers in a row from`, (s) => s.steady),
      row('recorded in `calma --json certs` (lastAttemptAt)', (s) => s.listed),
      row('probes until steady', (s) => s.probes),
      row('of them failed after the first verified answer', (s) => s.flaps),
    ]),
  );
  const errors = new Set(samples.flatMap((s) => [...s.errors]));
  if (errors.size > 0) process.stdout.write(`failed probes got: ${[...errors].join(' | ')}\n`);

  const all = (name: string): Handshakes[] => results.get(name)!;
  const medRate = (name: string): number => median(all(name).map(rate));
  const sum = (name: string, f: (h: Handshakes) => number): number => all(name).reduce((a, h) => a + f(h), 0);
  process.stdout.write(`\n(2) full TLS handshakes/s: Node tls.connect in this process, ${CLIENTS} clients, ${SECONDS} s x ${ROUNDS} interleaved rounds, medians;\n`);
  process.stdout.write('    a new connection each time, no session offered (isSessionReused() counted: "resumed"), closed once the handshake is done\n\n');
  const rows = [['', 'handshakes/s', 'min', 'max', 'handshakes', 'errors', 'resumed', 'negotiated']];
  for (const t of targets) {
    const rates = all(t.name).map(rate);
    rows.push([t.name, medRate(t.name).toFixed(0), Math.min(...rates).toFixed(0), Math.max(...rates).toFixed(0), String(sum(t.name, (h) => h.done)), String(sum(t.name, (h) => h.errors)), String(sum(t.name, (h) => h.resumed)), all(t.name)[0]!.negotiated]);
  }
  process.stdout.write(table(rows));
  for (const t of targets) {
    const failures = new Map<string, number>();
    for (const [why, n] of all(t.name).flatMap((h) => [...h.failures])) failures.set(why, (failures.get(why) ?? 0) + n);
    for (const [why, n] of failures) process.stdout.write(`  ${t.name}: ${n}x ${why}\n`);
  }
  process.stdout.write("note: not openssl s_time -new: it sends no SNI (no -servername), and calma's edge refuses a handshake without a name it has a certificate for.\n");

  const [edge, handName] = targets.map((t) => t.name) as [string, string];
  process.stdout.write(`\nSUMMARY time to HTTPS after calma deploy exits: median ${ms(med((s) => s.served))} ms (${samples.map((s) => ms(s.served)).join(', ')} ms), steady from ${ms(med((s) => s.steady))} ms; certificate written at ${ms(med((s) => s.written))} ms\n`);
  process.stdout.write(`SUMMARY full TLS handshakes/s: calma edge ${medRate(edge).toFixed(0)} vs hand-written nginx ${medRate(handName).toFixed(0)}: ratio ${(medRate(edge) / medRate(handName)).toFixed(2)}; errors ${sum(edge, (h) => h.errors)} vs ${sum(handName, (h) => h.errors)}\n`);
});
