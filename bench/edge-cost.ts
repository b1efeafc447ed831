// Bench 3: the cost of calma's edge. A minimal keep-alive Node HTTP server,
// deployed by calma, is loaded with wrk through calma's edge and, on the same
// container in the same run, (a) directly, (b) through a minimal hand-written
// nginx reverse proxy with upstream keep-alive, (c) through Debian's Caddy.
// Rounds are interleaved in a balanced order (lib/order.ts: every target runs
// in every position and right after every other equally often); each figure
// is the median of the rounds, and the edge's ratio to (b) is also taken
// within each round (the machine's speed drifts between rounds more than the
// two differ).
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { edgePidFile, mustDeploy, startDaemon, treeCpuSeconds } from './lib/calma.js';
import { caddyVersion, startCaddy } from './lib/caddy.js';
import { appContainers, buildNodeBase, cleanupLabel, containerIp } from './lib/docker.js';
import { get } from './lib/load.js';
import { startHandNginx } from './lib/nginx.js';
import { freePort, median, must, runId, runMain, sleep, table, tempDir } from './lib/run.js';
import { balancedOrders, roundOrder } from './lib/order.js';
import { hasWrk, wrk, type WrkResult } from './lib/wrk.js';

// Many short rounds rather than a few long ones: the machine's speed drifts by
// 10-20 % from one run to the next (one run's paired ratios spread from 0.56 to 1.39),
// and the median of 24 paired ratios (6 cycles of the balanced order) moves less with
// it than the median of 16 or 7.
const MIN_ROUNDS = 24;
const WRK = { threads: 2, connections: 64, seconds: 2 };
/** A pause before each run: the app's garbage collection and the kernel's work after the previous run's load end there, not in the next run. */
const SETTLE_MS = 1000;

/** The whole machine's CPU time so far (/proc/stat, clock ticks of 1/100 s): busy (user, system, interrupts) and idle. */
function machineCpu(): { busy: number; idle: number } {
  const f = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  const [user, nice, system, idle, iowait, irq, softirq, steal] = f as [number, number, number, number, number, number, number, number];
  return { busy: (user + nice + system + irq + softirq + steal) / 100, idle: (idle + iowait) / 100 };
}

const SERVER_JS = `const http = require('http');
const server = http.createServer((req, res) => {
  res.writeHead(200, { 'content-type': 'text/plain', 'content-length': '3' });
  res.end('ok\\n');
});
server.keepAliveTimeout = 75000;
server.listen(8080);
process.on('SIGTERM', () => { server.close(() => process.exit(0)); server.closeIdleConnections(); setTimeout(() => process.exit(0), 2000).unref(); });
`;

runMain('edge-cost', async () => {
  if (!(await hasWrk())) throw new Error('wrk is missing: apt-get install -y wrk (bench/run.sh installs it)');
  const id = runId();
  const app = `bec-${id}`;
  const domain = `${app}.localhost`;
  const label = `calma-bench=${id}`;
  cleanupLabel(label); // the node base image, removed after the app's images (cleanups run last-in first-out)
  cleanupLabel(`calma.app=${app}`);
  const base = `bec-node-${id}:base`;
  await buildNodeBase(base, label);
  const dir = join(tempDir('calma-bench-ec-'), 'app');
  mkdirSync(dir);
  writeFileSync(join(dir, 'server.js'), SERVER_JS);
  writeFileSync(join(dir, 'Dockerfile'), `FROM ${base}\nCOPY server.js /server.js\nEXPOSE 8080\nCMD ["node", "/server.js"]\n`);
  writeFileSync(join(dir, 'calma.yml'), `app: ${app}\nweb:\n  port: 8080\n  healthcheck: { path: /up, interval: 100ms }\ndomains: [${domain}]\nhttps: false\n`);

  const daemon = await startDaemon();
  await mustDeploy(daemon, dir);
  const [container] = await appContainers(app);
  if (!container) throw new Error(`no running container of ${app}`);
  const ip = await containerIp(container, 'calma-edge');
  // The app's node process (the container's first), whose CPU time per request is measured too.
  const appPid = Number((await must('docker', ['inspect', '-f', '{{.State.Pid}}', container])).trim());
  const nginx = await startHandNginx(await freePort(), `${ip}:8080`);
  const withHeaders = await startHandNginx(await freePort(), `${ip}:8080`, { required: true });
  const caddy = await caddyVersion();
  const caddyPort = await freePort();
  if (caddy) await startCaddy(caddyPort, `${ip}:8080`);

  // The nginx masters, whose workers' CPU time per request is measured too.
  const targets: { name: string; url: string; pidFile?: string }[] = [
    { name: '(a) direct to the container', url: `http://${ip}:8080/` },
    { name: "calma's edge", url: `http://127.0.0.1:${daemon.httpPort}/`, pidFile: edgePidFile(daemon.home) },
    { name: '(b) hand-written nginx, upstream keepalive', url: `http://127.0.0.1:${nginx.port}/`, pidFile: nginx.pidFile },
    { name: '(b+) the same, sending the required headers', url: `http://127.0.0.1:${withHeaders.port}/`, pidFile: withHeaders.pidFile },
    ...(caddy ? [{ name: `(c) Caddy ${caddy} reverse_proxy`, url: `http://127.0.0.1:${caddyPort}/` }] : []),
  ];
  for (const t of targets) {
    const u = new URL(t.url);
    const r = await get(u.hostname, Number(u.port), '/', domain);
    if (r.status !== 200 || r.body !== 'ok\n') throw new Error(`${t.name} answers ${r.status} ${r.body.slice(0, 200)}`);
    await wrk(t.url, domain, { ...WRK, seconds: 1 }); // warm-up
  }
  const results = new Map<string, WrkResult[]>(targets.map((t) => [t.name, []]));
  const cpuPerRequest = new Map<string, number[]>(); // µs of nginx CPU (master and workers) per request
  // Where each target's requests cost CPU: the app's process, and the whole machine (wrk, the
  // proxy, the app and the kernel's network work), per request; and the share of CPU left idle.
  const appPerRequest = new Map<string, number[]>();
  const machinePerRequest = new Map<string, number[]>();
  const idleShare = new Map<string, number[]>();
  const push = (m: Map<string, number[]>, k: string, v: number): void => void m.set(k, [...(m.get(k) ?? []), v]);
  // Whole cycles of the balanced order: 24 rounds with four targets, 30 with five.
  const cycle = balancedOrders(targets.length).length;
  const rounds = Math.ceil(MIN_ROUNDS / cycle) * cycle;
  for (let round = 1; round <= rounds; round++) {
    for (const t of roundOrder(targets, round)) {
      await sleep(SETTLE_MS);
      const master = t.pidFile ? Number(readFileSync(t.pidFile, 'utf8').trim()) : 0;
      const cpuBefore = master ? treeCpuSeconds(master) : 0;
      const appBefore = treeCpuSeconds(appPid);
      const machineBefore = machineCpu();
      const r = await wrk(t.url, domain, WRK);
      const machineAfter = machineCpu();
      results.get(t.name)!.push(r);
      const app = ((treeCpuSeconds(appPid) - appBefore) * 1e6) / r.requests;
      const busy = ((machineAfter.busy - machineBefore.busy) * 1e6) / r.requests;
      const idle = (machineAfter.idle - machineBefore.idle) / (machineAfter.idle - machineBefore.idle + machineAfter.busy - machineBefore.busy);
      push(appPerRequest, t.name, app);
      push(machinePerRequest, t.name, busy);
      push(idleShare, t.name, idle);
      let cpu = '';
      if (master) {
        const us = ((treeCpuSeconds(master) - cpuBefore) * 1e6) / r.requests;
        push(cpuPerRequest, t.name, us);
        cpu = ` nginx CPU ${us.toFixed(1)} µs/request`;
      }
      process.stderr.write(`round ${round} ${t.name}: ${r.rps.toFixed(0)} req/s p50 ${r.p50} ms p99 ${r.p99} ms errors ${r.errors}${cpu} app ${app.toFixed(1)} µs machine ${busy.toFixed(1)} µs/request idle ${(idle * 100).toFixed(0)} %\n`);
    }
  }

  const m = (name: string, f: (r: WrkResult) => number): number => median(results.get(name)!.map(f));
  const [direct, edge, hand, handPlus, cad] = targets.map((t) => t.name) as [string, string, string, string, string | undefined];
  const paired = results.get(edge)!.map((r, i) => r.rps / results.get(hand)![i]!.rps);
  const rows = [['', 'req/s', 'p50 ms', 'p99 ms', 'errors', 'edge req/s ÷ this']];
  for (const t of targets) {
    const rps = m(t.name, (r) => r.rps);
    const errors = results.get(t.name)!.reduce((a, r) => a + r.errors, 0);
    rows.push([t.name, rps.toFixed(0), m(t.name, (r) => r.p50).toFixed(2), m(t.name, (r) => r.p99).toFixed(2), String(errors), (m(edge, (r) => r.rps) / rps).toFixed(2)]);
  }
  process.stdout.write(`\nedge-cost: wrk -t${WRK.threads} -c${WRK.connections} -d${WRK.seconds}s, ${rounds} interleaved rounds, medians; one Node keep-alive container (${container})\n\n`);
  process.stdout.write(table(rows));
  process.stdout.write("note: (b+) is (b) sending the X-Forwarded-For/Proto/Host, X-Request-Id ($request_id, to the client too) and WebSocket headers an edge must send, the usual way. (b) has access_log off, no extra headers and one upstream, with reuseport and 64 idle upstream connections as calma's edge (the practical limit of one nginx hop); calma's edge sets X-Forwarded-*/X-Request-Id, checks on every request whether to log it (errors only, the default) and, once an environment has two slots, which one is live (a stat() of the marker file).\n");
  const vsHand = median(paired);
  const cpuEdge = median(cpuPerRequest.get(edge)!);
  const cpuHand = median(cpuPerRequest.get(hand)!);
  process.stdout.write(`calma's edge ÷ (b), within each round: ${paired.map((x) => x.toFixed(2)).join(', ')}; ratio of the medians ${(m(edge, (r) => r.rps) / m(hand, (r) => r.rps)).toFixed(2)}\n`);
  // What the headers an edge must send cost by themselves: (b+) against (b), and calma's edge against (b+).
  const within = (a: string, b: string): number => median(results.get(a)!.map((r, i) => r.rps / results.get(b)![i]!.rps));
  process.stdout.write(`(b+) ÷ (b), within each round (median): ${within(handPlus, hand).toFixed(2)}; calma's edge ÷ (b+): ${within(edge, handPlus).toFixed(2)}\n`);
  process.stdout.write(`nginx CPU per request (master and workers, median): calma's edge ${cpuEdge.toFixed(1)} µs, (b) ${cpuHand.toFixed(1)} µs (${(cpuEdge / cpuHand).toFixed(2)}x)\n`);
  process.stdout.write(`CPU per request (medians; ${cpus().length} CPUs), the app's process / the whole machine / the share left idle:\n`);
  for (const t of targets) {
    process.stdout.write(`  ${t.name}: ${median(appPerRequest.get(t.name)!).toFixed(1)} µs / ${median(machinePerRequest.get(t.name)!).toFixed(1)} µs / ${(median(idleShare.get(t.name)!) * 100).toFixed(0)} %\n`);
  }
  process.stdout.write(`\nSUMMARY calma edge ${m(edge, (r) => r.rps).toFixed(0)} req/s, direct ${m(direct, (r) => r.rps).toFixed(0)} req/s (edge keeps ${(m(edge, (r) => r.rps) / m(direct, (r) => r.rps)).toFixed(2)} of direct)\n`);
  process.stdout.write(`SUMMARY calma edge vs (b) hand nginx: ${vsHand.toFixed(2)} (median of the rounds' ratios; target >= 0.95: ${vsHand >= 0.95 ? 'MET' : 'MISSED'}); p99 ${m(edge, (r) => r.p99).toFixed(2)} ms vs ${m(hand, (r) => r.p99).toFixed(2)} ms\n`);
  if (cad) {
    const vsCaddy = m(edge, (r) => r.rps) / m(cad, (r) => r.rps);
    process.stdout.write(`SUMMARY calma edge vs (c) Caddy: ${vsCaddy.toFixed(2)}x (target >= 1.5x: ${vsCaddy >= 1.5 ? 'MET' : 'MISSED'}); p99 ${m(edge, (r) => r.p99).toFixed(2)} ms vs ${m(cad, (r) => r.p99).toFixed(2)} ms\n`);
  } else {
    process.stdout.write('SUMMARY (c) Caddy SKIPPED: `caddy` is not installed and could not be run (apt-get install -y caddy; bench/run.sh tries it)\n');
  }
});
