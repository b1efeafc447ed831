// Bench: what calma's edge does per request, in instructions. edge-cost's
// requests per second move with the machine by more than the edge and a bare
// nginx proxy differ; valgrind's callgrind counts the instructions nginx
// executes, the same on every run of the same binary and configuration,
// whatever else the machine does. nginx runs as one process (no master, one
// worker) under callgrind in front of a Node keep-alive server on loopback;
// LOW and then HIGH requests go through it over 8 keep-alive connections, and
// the difference of the two totals over HIGH - LOW is the cost of one request
// (start-up and shutdown cancel out). Compared: calma's edge as rendered (two
// slots, and one), the bare proxy of edge-cost (b), and calma's edge with one
// choice changed or one per-request feature left out at a time. System calls
// per request are counted too (strace -c): with two slots, the live-slot
// marker's stat() is one more per request; the other extras are nginx's own
// instructions.
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { join } from 'node:path';
import { NGINX_BINARY } from '../src/proxy/nginx.js';
import { edgePaths } from '../src/proxy/paths.js';
import { ensureLayout } from '../src/proxy/files.js';
import { envFileName, liveMarkerName, renderEnvironmentConfig, renderMainConfig } from '../src/proxy/render.js';
import type { EdgeSettings } from '../src/proxy/routes.js';
import { handProxyConfig } from './lib/nginx.js';
import { cmd, freePort, runMain, sleep, table, tempDir } from './lib/run.js';

const LOW = 1000;
const HIGH = 5000;
const CONNECTIONS = 8;
const HOST = 'app.localhost';

type Edit = (text: string) => string;
/** The HTTP port and the HTTPS one calma's main configuration also listens on (free ports both: tests may run beside). */
type Ports = [number, number];

/**
 * calma's edge for one environment proxying to `upstreamPort` from both slots (slot b live) or,
 * with `slots` 1, from one, with `edit` (if any)
 * applied to both files; an edit that no longer changes either (the renderer changed) fails the
 * bench rather than measure calma's edge under another name.
 */
function calmaEdge(prefix: string, [port, httpsPort]: Ports, upstreamPort: number, edit?: Edit, slots: 1 | 2 = 2): string {
  const settings: EdgeSettings = { prefix, httpPort: port, httpsPort, bindAddress: '127.0.0.1', probeToken: 'p'.repeat(32) };
  const p = edgePaths(settings);
  ensureLayout(settings); // the request-id include too
  const upstreams = [{ host: '127.0.0.1', port: upstreamPort }];
  // Two slots, b live (its marker present): every environment after its second release.
  const route = { app: 'app', env: 'production', domains: [HOST], upstreams, maxBodyBytes: 1_048_576, ...(slots === 2 ? { slot: 'b' as const, standby: upstreams } : { slot: 'a' as const }) };
  if (slots === 2) writeFileSync(join(p.live, liveMarkerName('app', 'production')), '');
  const files: [string, string][] = [
    [join(p.envs, envFileName('app', 'production')), renderEnvironmentConfig(route, settings)],
    [p.conf, renderMainConfig(settings)],
  ];
  const edited = files.map(([path, text]): [string, string] => [path, edit ? edit(text) : text]);
  if (edit && edited.every(([, text], i) => text === files[i]![1])) throw new Error("an edit of edge-instructions no longer changes calma's rendered edge: update it");
  for (const [path, text] of edited) writeFileSync(path, text);
  return p.conf;
}

/** edge-cost's (b), the same nginx.conf: upstream keep-alive, reuseport, no log, no extra header. */
function bareProxy(prefix: string, [port]: Ports, upstreamPort: number): string {
  for (const d of ['logs', 'temp']) mkdirSync(join(prefix, d), { recursive: true });
  const conf = join(prefix, 'nginx.conf');
  writeFileSync(conf, handProxyConfig(prefix, port, `127.0.0.1:${upstreamPort}`));
  return conf;
}

const drop = (re: RegExp): Edit => (t) => t.replace(re, '');
const noLog: Edit = (t) => t.replace(/access_log \S+ calma [^;]*;/, 'access_log off;');
const logAll: Edit = (t) => t.replace(/ if=\$calma_log_line;/, ';');
const noRequestId: Edit = drop(/^.*X-Request-Id \$calma_request_id.*\n/gm);
const noForwarded: Edit = drop(/^.*proxy_set_header X-Forwarded-.*\n/gm);
const noUpgrade: Edit = (t) => t.replace(/^.*proxy_set_header Upgrade .*\n/m, '').replace('proxy_set_header Connection $connection_upgrade;', 'proxy_set_header Connection "";');
const noProbeHeader: Edit = drop(/^.*X-Calma-Upstream.*\n/gm);
/**
 * The live-slot marker remembered by each worker and looked at again each second (nginx's
 * open_file_cache) instead of a stat() per request: fewer system calls, but a switch would
 * then take up to a second to reach every worker, and a redeploy would have to wait that
 * second before it stops the old release.
 */
const markerCache: Edit = (t) => t.replace('    server_tokens off;', '    open_file_cache max=16384 inactive=60s;\n    open_file_cache_valid 1s;\n    open_file_cache_errors on;\n    server_tokens off;');
const all = (...edits: Edit[]): Edit => (t) => edits.reduce((x, e) => e(x), t);

/** The same config as one process in the foreground (callgrind and strace follow it; no worker to find). */
function foreground(conf: string): void {
  const text = readFileSync(conf, 'utf8').replace('daemon on;', 'daemon off;\nmaster_process off;').replace('worker_processes auto;', 'worker_processes 1;');
  writeFileSync(conf, text);
}

async function load(port: number, n: number): Promise<void> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: CONNECTIONS });
  let next = 0;
  const one = (): Promise<void> =>
    new Promise((resolve, reject) => {
      const req = http.request({ host: '127.0.0.1', port, path: '/', agent, headers: { host: HOST } }, (res) => {
        res.resume();
        res.on('end', () => (res.statusCode === 200 ? resolve() : reject(new Error(`answered ${res.statusCode}`))));
      });
      req.on('error', reject);
      req.end();
    });
  await Promise.all(Array.from({ length: CONNECTIONS }, async () => { while (next++ < n) await one(); }));
  agent.destroy();
}

async function waitServing(port: number): Promise<void> {
  for (let i = 0; i < 600; i++) {
    if (await load(port, 1).then(() => true, () => false)) return;
    await sleep(100);
  }
  throw new Error(`nginx on port ${port} never answered 200`);
}

/** Runs nginx under `tool` (its argv before nginx's), sends n requests, stops it; returns its output file's text. */
async function measured(conf: string, port: number, n: number, tool: (out: string) => string[]): Promise<string> {
  const dir = join(conf, '..');
  const out = join(dir, 'measure.out');
  const [program, ...args] = tool(out) as [string, ...string[]];
  const child = spawn(program, [...args, NGINX_BINARY, '-p', dir, '-c', conf, '-e', join(dir, 'logs', 'error.log')], { stdio: 'ignore' });
  const exited = new Promise((r) => child.on('exit', r));
  try {
    await waitServing(port);
    await load(port, n);
  } finally {
    // The nginx process itself (strace's child; valgrind runs it as itself): its pid file says which.
    let pid = child.pid!;
    try {
      pid = Number(readFileSync(join(dir, 'nginx.pid'), 'utf8').trim()) || pid;
    } catch {
      // no pid file: nginx never started, or the tool's own pid is nginx's
    }
    if (child.exitCode === null) process.kill(pid, 'SIGTERM');
    await exited;
  }
  return readFileSync(out, 'utf8');
}

const callgrind = (out: string): string[] => ['valgrind', '--tool=callgrind', `--callgrind-out-file=${out}`];
const strace = (out: string): string[] => ['strace', '-c', '-o', out];
const instructions = (text: string): number => Number(/^(?:summary|totals): (\d+)/m.exec(text)?.[1] ?? NaN);
const syscalls = (text: string): number => Number(/(\d+)(?:\s+\d+)?\s+total$/m.exec(text.trim())?.[1] ?? NaN);

type Render = (prefix: string, ports: Ports) => string;

/** One count per request: `count` of `tool`'s output after HIGH requests, less after LOW, over HIGH - LOW (each on a new nginx). */
async function perRequest(render: Render, tool: (out: string) => string[], count: (text: string) => number): Promise<number> {
  const totals: number[] = [];
  for (const n of [LOW, HIGH]) {
    const ports: Ports = [await freePort(), await freePort()];
    const conf = render(tempDir('calma-bench-ei-'), ports);
    foreground(conf);
    totals.push(count(await measured(conf, ports[0], n, tool)));
  }
  return (totals[1]! - totals[0]!) / (HIGH - LOW);
}

runMain('edge-instructions', async () => {
  for (const tool of ['valgrind', 'strace']) {
    if ((await cmd('which', [tool])).code !== 0) throw new Error(`${tool} is missing: apt-get install -y ${tool} (bench/run.sh installs it)`);
  }
  const upstream = http.createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain', 'content-length': '3' });
    res.end('ok\n');
  });
  upstream.keepAliveTimeout = 75_000;
  const upstreamPort = await freePort();
  await new Promise<void>((r) => upstream.listen(upstreamPort, '127.0.0.1', r));
  try {
    const variants: [string, Render][] = [
      ["calma's edge (two slots, as after a redeploy)", (d, ports) => calmaEdge(d, ports, upstreamPort)],
      ['(b) bare nginx proxy, as in edge-cost', (d, ports) => bareProxy(d, ports, upstreamPort)],
      ["calma's edge with one slot (a first release)", (d, ports) => calmaEdge(d, ports, upstreamPort, undefined, 1)],
      ["calma's edge remembering the live slot's marker for a second", (d, ports) => calmaEdge(d, ports, upstreamPort, markerCache)],
      ['calma\'s edge logging every request (--access-log all)', (d, ports) => calmaEdge(d, ports, upstreamPort, logAll)],
      ["calma's edge leaving out only its access log", (d, ports) => calmaEdge(d, ports, upstreamPort, noLog)],
      ['  only X-Request-Id (to the app and back)', (d, ports) => calmaEdge(d, ports, upstreamPort, noRequestId)],
      ['  only X-Forwarded-For/Proto/Host', (d, ports) => calmaEdge(d, ports, upstreamPort, noForwarded)],
      ['  only the WebSocket Upgrade/Connection headers', (d, ports) => calmaEdge(d, ports, upstreamPort, noUpgrade)],
      ['  only the probe header (X-Calma-Upstream)', (d, ports) => calmaEdge(d, ports, upstreamPort, noProbeHeader)],
      ['  all five', (d, ports) => calmaEdge(d, ports, upstreamPort, all(noLog, noRequestId, noForwarded, noUpgrade, noProbeHeader))],
    ];
    const rows: string[][] = [['', 'instructions per request', 'vs calma', 'system calls per request']];
    const counted: number[] = [];
    for (const [name, render] of variants) {
      const ir = await perRequest(render, callgrind, instructions);
      const sys = await perRequest(render, strace, syscalls);
      counted.push(ir);
      const calma = counted[0]!;
      rows.push([name, ir.toFixed(0), `${(ir - calma >= 0 ? '+' : '')}${(ir - calma).toFixed(0)}`, sys.toFixed(2)]);
      process.stderr.write(`${name}: ${ir.toFixed(0)} instructions, ${sys.toFixed(2)} system calls per request\n`);
    }
    process.stdout.write(`\nedge-instructions: nginx ${LOW} and ${HIGH} requests over ${CONNECTIONS} keep-alive connections, one process under callgrind (and strace -c); per request = the difference / ${HIGH - LOW}\n\n`);
    process.stdout.write(table(rows));
    const [calma, bare] = counted as [number, number];
    process.stdout.write(`\nSUMMARY calma's edge executes ${calma.toFixed(0)} nginx instructions per proxied request, the bare proxy ${bare.toFixed(0)} (${(calma / bare).toFixed(2)}x)\n`);
  } finally {
    upstream.close();
  }
});
