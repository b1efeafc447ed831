// Bench 4: the daemon's resident memory (VmRSS from /proc/PID/status) when
// idle with 10 small apps deployed, 1 replica each (target: under 100 MB).
import { readFileSync } from 'node:fs';
import { edgePidFile, memoryMiB, mustDeploy, startDaemon } from './lib/calma.js';
import { appContainers, cleanupLabel, webAppDir, webCalmaYml } from './lib/docker.js';
import { get } from './lib/load.js';
import { median, runId, runMain, secs, sleep, table, tempDir } from './lib/run.js';

const APPS = 10;
const IDLE_MS = 20_000;
const mb = (n: number): string => `${n.toFixed(1)} MiB`;
const MB = (mib: number): number => (mib * 1024 * 1024) / 1e6; // the target is in MB (10^6 bytes)

/** nginx master and workers of the daemon's edge, summed. */
function edgeRss(home: string): number {
  const master = Number(readFileSync(edgePidFile(home), 'utf8').trim());
  const children = readFileSync(`/proc/${master}/task/${master}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  return [master, ...children].reduce((a, pid) => a + memoryMiB(pid).rss, 0);
}

runMain('daemon-memory', async () => {
  const id = runId();
  const parent = tempDir('calma-bench-dm-');
  const apps = Array.from({ length: APPS }, (_, i) => `bdm-${id}-${i + 1}`);
  for (const app of apps) cleanupLabel(`calma.app=${app}`);
  const daemon = await startDaemon();
  await sleep(2000);
  const atStart = memoryMiB(daemon.pid);
  const t0 = performance.now();
  for (const app of apps) {
    const r = await mustDeploy(daemon, webAppDir(parent, app, webCalmaYml(app, `${app}.localhost`, app)));
    process.stderr.write(`deployed ${app} in ${secs(r.ms)}; daemon VmRSS ${mb(memoryMiB(daemon.pid).rss)}\n`);
  }
  const deployMs = performance.now() - t0;
  const afterDeploys = memoryMiB(daemon.pid);
  for (const app of apps) {
    const r = await get('127.0.0.1', daemon.httpPort, '/', `${app}.localhost`);
    if (r.status !== 200 || r.body.trim() !== app) throw new Error(`${app} is not served: ${r.status} ${r.body.slice(0, 100)}`);
    if ((await appContainers(app)).length !== 1) throw new Error(`${app} does not have exactly 1 running container`);
  }
  // Idle: no request, no deploy; sampled every second (V8 may shrink its heap meanwhile).
  const samples: number[] = [];
  for (let t = 0; t < IDLE_MS; t += 1000) await sleep(1000).then(() => samples.push(memoryMiB(daemon.pid).rss));
  const idle = memoryMiB(daemon.pid);
  process.stdout.write(`\ndaemon-memory: calma server (pid ${daemon.pid}) with ${APPS} apps deployed (web fixture, 1 replica each), all serving\n\n`);
  process.stdout.write(
    table([
      ['', 'VmRSS', 'VmHWM (peak so far)'],
      ['daemon just started, no app', mb(atStart.rss), mb(atStart.hwm)],
      [`right after ${APPS} deploys (${secs(deployMs)})`, mb(afterDeploys.rss), mb(afterDeploys.hwm)],
      [`idle ${IDLE_MS / 1000} s later`, mb(idle.rss), mb(idle.hwm)],
      ['for context: its edge nginx, master + workers', mb(edgeRss(daemon.home)), ''],
    ]),
  );
  process.stdout.write(`idle VmRSS sampled every second for ${IDLE_MS / 1000} s: min ${mb(Math.min(...samples))}, median ${mb(median(samples))}, max ${mb(Math.max(...samples))}\n`);
  process.stdout.write(`\nSUMMARY daemon VmRSS idle with ${APPS} apps: ${MB(idle.rss).toFixed(1)} MB = ${mb(idle.rss)} (${(MB(idle.rss) / 100).toFixed(2)} of the 100 MB target: ${MB(idle.rss) < 100 ? 'MET' : 'MISSED'}); peak ${mb(idle.hwm)}; ${mb(atStart.rss)} at start with no app\n`);
});
