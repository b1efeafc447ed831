// The deploy engine against a real engine and a real nginx: blue/green with
// a health gate, zero failed requests during a switch, and every kind of bad
// release leaving the previous one serving.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseConfig } from '../../src/config/load.js';
import { deployRelease, type ReleaseInput } from '../../src/deploy/deploy-release.js';
import { listReleases } from '../../src/runtime/releases.js';
import { readIfExists } from '../../src/proxy/files.js';
import { runningMasterPid, servingWorkerPids } from '../../src/proxy/nginx.js';
import { uniqueApp } from '../support/app-dir.js';
import { docker } from '../support/engine.js';
import { buildWebImage, getVia, removeApp, startTestEdge, type TestEdge } from '../support/deploy-env.js';
import { startLoad } from '../support/load.js';

describe('deploy engine', () => {
  const app = uniqueApp('dep');
  const domain = `${app}.test`;
  let te: TestEdge;
  const logs: string[] = [];

  const configText = (extra = '') =>
    `app: ${app}\nweb:\n  port: 8080\n  replicas: 2\n  healthcheck:\n    path: /cgi-bin/up\n    interval: 100ms\n    deadline: 3s\n  drain: 5s\ndomains: [${domain}]\nhttps: false\n${extra}`;
  const input = (version: string, extra = ''): ReleaseInput => ({
    kind: 'deploy',
    env: 'production',
    image: `${app}:${version}`,
    version,
    commit: version,
    branch: 'main',
    config: parseConfig(configText(extra), 'calma.yml'),
    appDir: '/tmp',
    secrets: {},
  });
  const deploy = (i: ReleaseInput) => deployRelease(i, { docker, edge: te.port, journal: te.journal, addresses: te.addresses, log: (l) => logs.push(l), dns: ['127.0.0.1'] });

  const nginxWorkers = () => servingWorkerPids(runningMasterPid(te.edge.settings)!).sort();

  before(async () => {
    await buildWebImage(`${app}:v1`, 'v1');
    await buildWebImage(`${app}:v2`, 'v2');
    te = await startTestEdge();
  });
  after(async () => {
    await te.close();
    await removeApp(app);
  });

  test('first deploy serves the release through the edge, on both replicas', async () => {
    const out = await deploy(input('v1'));
    assert.equal(out.status, 'succeeded');
    assert.deepEqual(await getVia(te.httpPort, domain), { status: 200, body: 'v1\n' });
    const seen = new Set<string>();
    for (let i = 0; i < 20; i++) seen.add((await getVia(te.httpPort, domain, '/cgi-bin/who')).body);
    assert.equal(seen.size, 2, 'round-robin reaches both replicas');
    assert.equal(te.journal.deployment(out.deploymentId)?.status, 'succeeded');
  });

  test('a redeploy under load: not one failed request, and nginx is not even reloaded', async () => {
    const workersBefore = nginxWorkers();
    const load = startLoad(te.httpPort, domain);
    await new Promise((r) => setTimeout(r, 300));
    await deploy(input('v2'));
    await new Promise((r) => setTimeout(r, 300));
    const result = await load.stop();
    assert.deepEqual(result.failures, []);
    assert.equal(result.failed, 0);
    assert.equal(result.retried, 0, 'no keep-alive connection was closed under a client');
    assert.ok(result.ok > 100, 'the load really ran');
    assert.ok((result.bodies.get('v1') ?? 0) > 0 && (result.bodies.get('v2') ?? 0) > 0, 'traffic moved from v1 to v2');
    assert.deepEqual(nginxWorkers(), workersBefore, 'the switch flipped the live slot without a reload');
    assert.deepEqual(await getVia(te.httpPort, domain), { status: 200, body: 'v2\n' });
    const releases = await listReleases(docker, app, 'production');
    assert.deepEqual(releases.map((r) => [r.release, r.running]), [['v2', true], ['v1', false]], 'blue is stopped and kept for rollback');
  });

  for (const [name, extra, reason] of [
    ['a release whose container crashes', 'env:\n  CRASH: "1"\n', /(exited with code 1|crashed \(restarted \d+ times(, exit code 1)?\)) before it became healthy/],
    ['a release that never gets healthy', 'env:\n  HEALTH: fail\n', /not healthy within 3\.0s/],
    ['a release whose release command fails', 'release: ["sh", "-c", "echo migrating; exit 3"]\n', /release command exited with code 3/],
  ] as const) {
    test(`${name} leaves the previous release serving`, async () => {
      assert.deepEqual(await getVia(te.httpPort, domain), { status: 200, body: 'v2\n' });
      const err = await deploy(input('v1', extra)).then(
        () => assert.fail('the deployment should fail'),
        (e: Error & { deploymentId?: string }) => e,
      );
      assert.match(err.message, reason);
      assert.equal(te.journal.deployment(err.deploymentId!)?.status, 'failed');
      assert.deepEqual(await getVia(te.httpPort, domain), { status: 200, body: 'v2\n' });
      const releases = await listReleases(docker, app, 'production');
      assert.deepEqual(releases.map((r) => [r.release, r.running]), [['v2', true], ['v1', false]], 'green was removed, nothing else changed');
    });
  }
  test('drain: a request in flight on blue at the switch finishes there, and the drain ends with it, not at web.drain', async () => {
    assert.deepEqual(await getVia(te.httpPort, domain), { status: 200, body: 'v2\n' });
    const slow = getVia(te.httpPort, domain, '/cgi-bin/slow').then((r) => ({ ...r, at: Date.now() }));
    await new Promise((r) => setTimeout(r, 300));
    const out = await deploy(input('v1'));
    const settled = Date.now();
    const { at, ...answer } = await slow;
    assert.deepEqual(answer, { status: 200, body: 'slow v2\n' }, 'blue was not stopped under its request');
    assert.ok(at <= settled, 'the deployment waited for the request before it ended');
    const drain = te.journal.steps(out.deploymentId).find((s) => s.step === 'drain')!;
    const drainMs = Date.parse(drain.finished_at!) - Date.parse(drain.started_at);
    assert.ok(drainMs < 5000, `the drain ended with the request, before its 5 s cap: ${drainMs} ms`);
    assert.deepEqual(await getVia(te.httpPort, domain), { status: 200, body: 'v1\n' });
  });

  /** A deployment of the v1 image as another app (a new environment), with its own domain. */
  const fresh = (name: string, extra = ''): ReleaseInput => ({
    ...input('v1', extra),
    config: parseConfig(configText(extra).replace(`app: ${app}`, `app: ${name}`).replace(`domains: [${domain}]`, `domains: [${name}.test]`), 'calma.yml'),
  });
  /**
   * The edge's workers once the ones of an earlier configuration have exited. The same set
   * twice, 500 ms apart: right after a reload the master has started the new workers but
   * not yet told the old ones to stop, which then do not say "shutting down" yet.
   */
  const settledWorkers = async (): Promise<number[]> => {
    const current = (): number[] | undefined => {
      const pids = nginxWorkers();
      return pids.every((p) => !(readIfExists(`/proc/${p}/cmdline`) ?? '').includes('shutting down')) ? pids : undefined;
    };
    for (let i = 0; i < 40; i++) {
      const first = current();
      await new Promise((r) => setTimeout(r, 500));
      const second = current();
      if (first && second && first.join() === second.join()) return second;
    }
    assert.fail('the workers of the previous configuration did not exit');
  };

  test('a new environment: its route is loaded while green starts (503 at once, never a hang), and neither its switch nor its next one reloads nginx', async () => {
    const other = uniqueApp('depn');
    try {
      // The release command holds the deployment after green is healthy, before the switch.
      const first = deploy(fresh(other, 'release: ["sh", "-c", "sleep 3"]\n'));
      first.catch(() => undefined); // awaited below, after the edge was watched
      // Polled during the staged reload: each request on a connection of its own (see getVia).
      let seen = await getVia(te.httpPort, `${other}.test`, '/', { newConnection: true });
      for (let i = 0; i < 250 && seen.status === 404; i++) {
        await new Promise((r) => setTimeout(r, 20));
        seen = await getVia(te.httpPort, `${other}.test`, '/', { newConnection: true });
      }
      assert.equal(seen.status, 503, 'before the switch, the staged route answers 503');
      assert.match(seen.body, /no running instance/);
      const workers = await settledWorkers();
      await first;
      assert.deepEqual(await getVia(te.httpPort, `${other}.test`), { status: 200, body: 'v1\n' });
      assert.deepEqual(nginxWorkers(), workers, 'the switch only let traffic in: no reload');
      const live = join(te.edge.settings.prefix, 'live');
      assert.deepEqual(readdirSync(live).filter((f) => f.startsWith(`${other}--`)).sort(), [`${other}--production.b`, `${other}--production.on`], 'the first release serves from slot b');
      // nginx still runs the staged file; the redeploy moves to slot a (slot b's marker goes, the serving marker lets a serve).
      await deploy({ ...fresh(other), image: `${app}:v2`, version: 'v2' });
      assert.deepEqual(await getVia(te.httpPort, `${other}.test`), { status: 200, body: 'v2\n' });
      assert.deepEqual(nginxWorkers(), workers, 'the redeploy did not reload either');
      assert.ok(!existsSync(join(live, `${other}--production.b`)), 'slot a is live');
      // Any later reload loads the plain file written at the switch: it serves the same.
      await te.edge.reload();
      assert.deepEqual(await getVia(te.httpPort, `${other}.test`), { status: 200, body: 'v2\n' });
      assert.doesNotMatch(readFileSync(join(te.edge.settings.prefix, 'envs', `${other}--production.conf`), 'utf8'), /\.on\)/, 'the plain file is on disk');
    } finally {
      await removeApp(other);
    }
  });

  test('a new environment whose first release fails: the edge is back as before (its domain unknown, no file, no marker)', async () => {
    const other = uniqueApp('depf');
    try {
      const err = await deploy(fresh(other, 'env:\n  CRASH: "1"\n')).then(
        () => assert.fail('the deployment should fail'),
        (e: Error) => e,
      );
      assert.match(err.message, /before it became healthy/);
      const answer = await getVia(te.httpPort, `${other}.test`);
      assert.equal(answer.status, 404);
      assert.match(answer.body, /No application is served at this address/);
      assert.deepEqual(readdirSync(join(te.edge.settings.prefix, 'envs')).filter((f) => f.startsWith(`${other}--`)), []);
      assert.deepEqual(readdirSync(join(te.edge.settings.prefix, 'live')).filter((f) => f.startsWith(`${other}--`)), []);
      assert.deepEqual(await getVia(te.httpPort, domain), { status: 200, body: 'v1\n' }, 'the other apps serve on');
    } finally {
      await removeApp(other);
    }
  });

  test('another calma home on the same engine (its own database) deploys beside this one: the addresses it is handed that these containers hold are chosen again', async () => {
    const other = uniqueApp('dep2');
    await buildWebImage(`${other}:v1`, 'v1');
    const te2 = await startTestEdge();
    try {
      const config = parseConfig(configText().replace(`app: ${app}`, `app: ${other}`).replace(`domains: [${domain}]`, `domains: [${other}.test]`), 'calma.yml');
      await deployRelease({ ...input('v1'), image: `${other}:v1`, config }, { docker, edge: te2.port, journal: te2.journal, addresses: te2.addresses, log: () => undefined, dns: ['127.0.0.1'] });
      assert.deepEqual(await getVia(te2.httpPort, `${other}.test`), { status: 200, body: 'v1\n' });
      const held = (await docker.listContainers({ all: true, filters: { label: [`calma.app=${app}`] } })).map((c) => c.Labels['calma.address']);
      const mine = [...te2.addresses.lookup(other, 'production', 'a'), ...te2.addresses.lookup(other, 'production', 'b')];
      assert.equal(mine.length, 4);
      assert.deepEqual(mine.filter((a) => held.includes(a)), [], 'no address of this home was handed out again');
      assert.deepEqual(await getVia(te.httpPort, domain), { status: 200, body: 'v1\n' }, 'this home still serves');
    } finally {
      await te2.close();
      await removeApp(other);
    }
  });
});
