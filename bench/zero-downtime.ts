// Bench 1: zero downtime. The same bounded keep-alive load runs through calma's
// edge during 5 `calma deploy`s of alternating releases (v1/v2), then through a
// hand-written nginx during the same 5 releases done by hand (docker stop, rm,
// run of the new container at a fixed IP, nginx reload). Failed requests,
// retries and seconds of outage side by side.
import { deploy, lineAt, mustDeploy, startDaemon } from './lib/calma.js';
import { buildImage, cleanupLabel, fixedIpNetwork, webAppDir, webCalmaYml, webFixture } from './lib/docker.js';
import { get, startLoad, waitHealthy, type LoadResult } from './lib/load.js';
import { startHandNginx } from './lib/nginx.js';
import { freePort, median, must, runId, runMain, secs, sleep, table, tempDir } from './lib/run.js';

const RELEASES = 5;
const LOAD = { clients: 20, maxRequests: 400_000, maxMs: 150_000 };
const PAUSE_MS = 1000; // steady traffic before, between and after the releases
const version = (i: number): 'v1' | 'v2' => (i % 2 === 0 ? 'v1' : 'v2'); // release i = 1..5: v2, v1, v2, v1, v2

async function expectBody(port: number, host: string, want: string): Promise<void> {
  for (const end = Date.now() + 5000; Date.now() < end; await sleep(50)) if ((await get('127.0.0.1', port, '/', host)).body.trim() === want) return;
  throw new Error(`${host} does not serve ${want} after the release`);
}

async function withCalma(id: string): Promise<{ load: LoadResult; times: number[]; switches: number[] }> {
  const app = `bzd-${id}`;
  const domain = `${app}.localhost`;
  cleanupLabel(`calma.app=${app}`);
  const dirs = tempDir('calma-bench-zd-');
  const dir = { v1: webAppDir(dirs, 'v1', webCalmaYml(app, domain, 'v1')), v2: webAppDir(dirs, 'v2', webCalmaYml(app, domain, 'v2')) };
  const daemon = await startDaemon();
  // v1 and v2 built once before the measured run, as on a server that deployed both before.
  await mustDeploy(daemon, dir.v2);
  await mustDeploy(daemon, dir.v1);
  await expectBody(daemon.httpPort, domain, 'v1');
  const load = startLoad(daemon.httpPort, domain, LOAD);
  const times: number[] = [];
  await sleep(PAUSE_MS);
  const switches: number[] = []; // when the edge switched (performance.now()), from the deploy's streamed progress
  for (let i = 1; i <= RELEASES; i++) {
    const t0 = performance.now();
    const r = await deploy(daemon, dir[version(i)]);
    switches.push(t0 + (lineAt(r, /^edge now routes/) ?? NaN));
    if (r.code !== 0) {
      await load.stop();
      throw new Error(`calma deploy ${version(i)} failed:\n${r.output.slice(-3000)}`);
    }
    times.push(r.ms);
    await expectBody(daemon.httpPort, domain, version(i));
    process.stderr.write(`calma release ${i} (${version(i)}): ${secs(r.ms)}, ${load.result.ok} ok, ${load.result.failed} failed so far\n`);
    await sleep(PAUSE_MS);
  }
  return { load: await load.stop(), times, switches };
}

async function byHand(id: string): Promise<{ load: LoadResult; times: number[] }> {
  const label = `calma-bench=${id}`;
  cleanupLabel(label);
  const image = `bzd-manual-${id}`;
  for (const v of ['v1', 'v2']) await buildImage(webFixture, `${image}:${v}`, label, { VERSION: v });
  const net = await fixedIpNetwork(`bzd-manual-${id}`, label);
  const ip = net.ip(10);
  const name = `bzd-manual-${id}`;
  const run = (v: string): Promise<string> =>
    must('docker', ['run', '-d', '--name', name, '--network', net.name, '--ip', ip, '--dns', '127.0.0.1', '--label', label, '--restart', 'unless-stopped', `${image}:${v}`]);
  await run('v1');
  await waitHealthy(ip, 8080, '/cgi-bin/up');
  const nginx = await startHandNginx(await freePort(), `${ip}:8080`);
  const host = 'manual.localhost';
  await expectBody(nginx.port, host, 'v1');
  const load = startLoad(nginx.port, host, LOAD);
  const times: number[] = [];
  await sleep(PAUSE_MS);
  for (let i = 1; i <= RELEASES; i++) {
    const t0 = performance.now();
    await must('docker', ['stop', name]);
    await must('docker', ['rm', name]);
    await run(version(i));
    await nginx.reload(`${ip}:8080`);
    times.push(performance.now() - t0);
    await expectBody(nginx.port, host, version(i));
    process.stderr.write(`manual release ${i} (${version(i)}): ${secs(times[i - 1]!)}, ${load.result.ok} ok, ${load.result.failed} failed so far\n`);
    await sleep(PAUSE_MS);
  }
  return { load: await load.stop(), times };
}

runMain('zero-downtime', async () => {
  const id = runId();
  const calma = await withCalma(id);
  const manual = await byHand(id);
  const bodies = (l: LoadResult): string => [...l.bodies].map(([b, n]) => `${b}:${n}`).join(' ');
  const col = (f: (x: { load: LoadResult; times: number[] }) => string): string[] => [f(calma), f(manual)];
  process.stdout.write(`\nzero-downtime: ${LOAD.clients} keep-alive clients through the edge, ${RELEASES} releases alternating v2/v1, ${PAUSE_MS} ms between\n\n`);
  process.stdout.write(
    table([
      ['', 'calma deploy', 'manual stop/rm/run + nginx reload'],
      ['requests answered 2xx', ...col((x) => String(x.load.ok))],
      ['failed or non-2xx', ...col((x) => String(x.load.failed))],
      ['retried (reused keep-alive conn closed)', ...col((x) => String(x.load.retried))],
      ['outage (s, summed)', ...col((x) => (x.load.outageMs / 1000).toFixed(2))],
      ['outage windows', ...col((x) => String(x.load.windows))],
      ['release time (median of 5)', ...col((x) => secs(median(x.times)))],
      ['load duration', ...col((x) => secs(x.load.elapsedMs))],
      ['req/s during the run', ...col((x) => (x.load.ok / (x.load.elapsedMs / 1000)).toFixed(0))],
      ['bodies served', ...col((x) => bodies(x.load))],
    ]),
  );
  for (const [who, x] of [['calma', calma as { load: LoadResult }], ['manual', manual]] as const) {
    const kinds = [...x.load.failures].sort((a, b) => b[1] - a[1]).map(([k, n]) => `${n} × ${k}`);
    if (kinds.length > 0) process.stdout.write(`failures (${who}): ${kinds.join(', ')}\n`);
  }
  const nearSwitch = calma.load.failTimes.filter((t) => calma.switches.some((s) => t > s - 500 && t < s + 1500)).length;
  if (calma.load.failed > 0) process.stdout.write(`calma failures from 0.5 s before to 1.5 s after an edge switch: ${nearSwitch} of ${calma.load.failed}\n`);
  const rate = (x: { load: LoadResult }): string => ((100 * x.load.failed) / Math.max(1, x.load.ok + x.load.failed)).toFixed(3);
  process.stdout.write(`\nSUMMARY calma: ${calma.load.failed} failed of ${calma.load.ok + calma.load.failed} (${rate(calma)}%), ${calma.load.retried} retried, outage ${(calma.load.outageMs / 1000).toFixed(2)} s — target 0 failed: ${calma.load.failed === 0 ? 'MET' : 'MISSED'}\n`);
  process.stdout.write(`SUMMARY manual: ${manual.load.failed} failed of ${manual.load.ok + manual.load.failed} (${rate(manual)}%), ${manual.load.retried} retried, outage ${(manual.load.outageMs / 1000).toFixed(2)} s in ${manual.load.windows} windows\n`);
  process.stdout.write(`SUMMARY failed requests calma vs manual: ${calma.load.failed} vs ${manual.load.failed}; outage ${(calma.load.outageMs / 1000).toFixed(2)} s vs ${(manual.load.outageMs / 1000).toFixed(2)} s\n`);
});
