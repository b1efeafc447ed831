// Bench 2: deploy overhead. Wall time of `calma deploy` of an unchanged app
// directory (the build entirely cached), beside the time the same image needs
// from `docker run` to its first healthy answer. The difference is calma's
// overhead (target: under 1 s).
import { cliEntry, lineAt, mustDeploy, startDaemon, type DeployRun } from './lib/calma.js';
import { cleanupLabel, fixedIpNetwork, webAppDir, webCalmaYml } from './lib/docker.js';
import { waitHealthy } from './lib/load.js';
import { cmd, median, must, runId, runMain, secs, sleep, table, tempDir } from './lib/run.js';

const SAMPLES = 5;

runMain('deploy-overhead', async () => {
  const id = runId();
  const app = `bdo-${id}`;
  const label = `calma-bench=${id}`;
  cleanupLabel(`calma.app=${app}`);
  cleanupLabel(label);
  const dir = webAppDir(tempDir('calma-bench-do-'), 'app', webCalmaYml(app, `${app}.localhost`, 'v1'));
  const daemon = await startDaemon();
  const first = await mustDeploy(daemon, dir);
  process.stderr.write(`first deploy (with build): ${secs(first.ms)}\n`);

  // calma deploy of the unchanged directory, SAMPLES times.
  const runs: DeployRun[] = [];
  for (let i = 0; i < SAMPLES; i++) {
    const r = await mustDeploy(daemon, dir);
    if (r.image !== first.image) throw new Error(`the unchanged dir deployed ${r.image}, not ${first.image}`);
    runs.push(r);
    process.stderr.write(`calma deploy ${i + 1}: ${secs(r.ms)}\n`);
    await sleep(300);
  }
  const phase = (re: RegExp): number => median(runs.map((r) => lineAt(r, re) ?? NaN));

  // The same image, bare: docker run to the first 2xx of its health path.
  const net = await fixedIpNetwork(`bdo-${id}`, label);
  const ip = net.ip(10);
  const bare: number[] = [];
  for (let i = 0; i < SAMPLES; i++) {
    const name = `bdo-bare-${id}`;
    const t0 = performance.now();
    await must('docker', ['run', '-d', '--name', name, '--network', net.name, '--ip', ip, '--dns', '127.0.0.1', '--label', label, first.image]);
    await waitHealthy(ip, 8080, '/cgi-bin/up', 30_000, 5);
    bare.push(performance.now() - t0);
    await must('docker', ['rm', '-f', name]);
    process.stderr.write(`bare docker run to healthy ${i + 1}: ${secs(bare[i]!)}\n`);
    await sleep(300);
  }

  // The CLI's own start-up, for context: one `calma server status` round trip.
  const cli: number[] = [];
  const node: number[] = [];
  for (let i = 0; i < SAMPLES; i++) {
    let t0 = performance.now();
    await cmd(process.execPath, [cliEntry, 'server', 'status'], { env: daemon.env });
    cli.push(performance.now() - t0);
    t0 = performance.now();
    await cmd(process.execPath, ['-e', '0']);
    node.push(performance.now() - t0);
  }

  const deployMs = median(runs.map((r) => r.ms));
  const bareMs = median(bare);
  const overhead = deployMs - bareMs;
  process.stdout.write(`\ndeploy-overhead: ${SAMPLES} samples each, medians (image ${first.image})\n\n`);
  process.stdout.write(
    table([
      ['', 'median', 'min', 'max'],
      ['calma deploy, unchanged dir (build cached)', secs(deployMs), secs(Math.min(...runs.map((r) => r.ms))), secs(Math.max(...runs.map((r) => r.ms)))],
      ['bare: docker run to first healthy answer', secs(bareMs), secs(Math.min(...bare)), secs(Math.max(...bare))],
      ['calma CLI start-up (server status)', secs(median(cli)), secs(Math.min(...cli)), secs(Math.max(...cli))],
      ['node start-up alone (node -e 0)', secs(median(node)), secs(Math.min(...node)), secs(Math.max(...node))],
    ]),
  );
  process.stdout.write('\ncalma deploy, where the time goes (median ms since the command started):\n');
  process.stdout.write(
    table([
      ['build cached, deploy starts (==> deploy)', `${phase(/^==> deploy:/).toFixed(0)} ms`],
      ['new container started', `${phase(/^started /).toFixed(0)} ms`],
      ['healthy, edge switched', `${phase(/^edge now routes/).toFixed(0)} ms`],
      ['done (drained, old one stopped), command exits', `${deployMs.toFixed(0)} ms`],
    ]),
  );
  process.stdout.write(`\nSUMMARY calma deploy ${secs(deployMs)} vs bare container ${secs(bareMs)}: overhead ${secs(overhead)} (ratio ${(deployMs / bareMs).toFixed(1)}x) — target under 1 s: ${overhead < 1000 ? 'MET' : 'MISSED'}\n`);
});
