// The daemon killed with SIGKILL in the middle of a deployment: the site is
// served throughout (nginx runs on its own), and the restarted daemon undoes
// the half-done deployment: no orphan container, the deployment marked failed.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { appFromFixture, commitAll, uniqueApp } from '../support/app-dir.js';
import { calma } from '../support/cli.js';
import { docker } from '../support/engine.js';
import { getVia, removeApp } from '../support/deploy-env.js';
import { startLoad } from '../support/load.js';
import { freePort, tempHome } from '../support/server-helpers.js';
import { startCliServer } from '../support/server-cli.js';

const app = uniqueApp('kill');
const fresh = uniqueApp('killn');
const building = uniqueApp('killb');
const home = tempHome();
after(async () => {
  home.cleanup();
  await removeApp(app);
  await removeApp(fresh);
  await removeApp(building);
});

const webContainers = async (name = app) => docker.listContainers({ all: true, filters: { label: [`calma.app=${name}`, 'calma.role=web'] } });

/** The daemon's flags (its edge on free loopback ports) and the app's calma.yml, for `name` at `domain`. */
async function setup(name: string, domain: string) {
  const ports = ['--http-port', String(await freePort()), '--https-port', String(await freePort())];
  return {
    env: { CALMA_HOME: home.home },
    args: [...ports, '--edge-address', '127.0.0.1', '--app-dns', '127.0.0.1'],
    httpPort: Number(ports[1]),
    config: (extra: string) => `app: ${name}\nweb:\n  port: 8080\n  healthcheck:\n    path: /cgi-bin/up\n    interval: 100ms\n    deadline: 60s\ndomains: [${domain}]\nhttps: false\n${extra}`,
  };
}

test('SIGKILL mid-deployment: served throughout, undone on restart', async () => {
  const domain = `${app}.test`;
  const { env, args, httpPort, config } = await setup(app, domain);
  const dir = appFromFixture('web', app, config(''));
  commitAll(dir);
  let server = await startCliServer(args, env);
  try {
    assert.equal((await calma(['deploy', dir.dir], { env })).code, 0);
    assert.equal((await getVia(httpPort, domain)).body, 'v1\n');

    const load = startLoad(httpPort, domain, { clients: 4, maxMs: 60_000 });
    // A release that never gets healthy: the deployment waits in its health step.
    dir.write('calma.yml', config('env:\n  HEALTH: fail\n'));
    const pending = calma(['deploy', dir.dir], { env });
    const deadline = Date.now() + 30_000;
    // Running, not just created: an engine under load can take a while between the two, and the kill must land in the health step.
    const running = async () => (await webContainers()).filter((c) => c.State === 'running').length;
    while ((await running()) < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    assert.equal(await running(), 2, 'the new container was started');
    await new Promise((r) => setTimeout(r, 1000)); // well inside the 60 s health wait
    const exited = new Promise((r) => server.child.once('exit', r));
    server.child.kill('SIGKILL');
    await exited;
    const cut = await pending;
    assert.equal(cut.code, 1, 'the deploy command reports the cut stream');
    assert.equal((await getVia(httpPort, domain)).body, 'v1\n', 'nginx serves on without the daemon');

    server = await startCliServer(args, env);
    const left = await webContainers();
    assert.equal(left.length, 1, 'the half-started container is gone');
    assert.equal(left[0]!.State, 'running');
    const deployments = JSON.parse((await calma(['--json', 'deployments', app], { env })).stdout) as Array<{ status: string; reason: string | null }>;
    assert.equal(deployments[0]!.status, 'failed');
    assert.match(deployments[0]!.reason ?? '', /^interrupted: the daemon stopped during health$/);
    assert.equal((await getVia(httpPort, domain)).body, 'v1\n');
    const result = await load.stop();
    assert.equal(result.failed, 0, `failures: ${result.failures.join('; ')}`);
    assert.ok(result.ok > 0);
  } finally {
    await server.stop();
    dir.cleanup();
  }
});

test('SIGKILL in the first deployment of a new app: its staged route (503 meanwhile) is gone after the restart', async () => {
  const domain = `${fresh}.test`;
  const { env, args, httpPort, config } = await setup(fresh, domain);
  const dir = appFromFixture('web', fresh, config('env:\n  HEALTH: fail\n'));
  commitAll(dir);
  const edge = join(home.home, 'edge');
  const mine = (sub: string) => readdirSync(join(edge, sub)).filter((f) => f.startsWith(`${fresh}--`));
  let server = await startCliServer(args, env);
  try {
    // A first release that never gets healthy: its route is staged, the deployment starts it and waits in its health step.
    const pending = calma(['deploy', dir.dir], { env });
    const deadline = Date.now() + 30_000;
    // Polled during the staged reload: each request on a connection of its own (see getVia).
    let seen = await getVia(httpPort, domain, '/', { newConnection: true });
    while ((seen.status !== 503 || (await webContainers(fresh)).filter((c) => c.State === 'running').length < 1) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
      seen = await getVia(httpPort, domain, '/', { newConnection: true });
    }
    assert.equal(seen.status, 503, 'the staged route answers 503 while the release is not healthy');
    // The container runs a moment before its start step is recorded done (a fresh-clone run once
    // killed the daemon in between): as in the test above, the kill waits to land in the health step.
    await new Promise((r) => setTimeout(r, 1000));
    assert.equal((await getVia(httpPort, domain)).status, 503, 'still staged, still unhealthy');
    const exited = new Promise((r) => server.child.once('exit', r));
    server.child.kill('SIGKILL');
    await exited;
    assert.equal((await pending).code, 1);
    assert.equal((await getVia(httpPort, domain)).status, 503, 'nginx serves on without the daemon, still the 503 page');

    server = await startCliServer(args, env);
    assert.deepEqual(await webContainers(fresh), [], 'the half-started container is gone');
    const answer = await getVia(httpPort, domain);
    assert.equal(answer.status, 404, 'the route went with it: the domain is unknown again');
    assert.match(answer.body, /No application is served at this address/);
    assert.deepEqual(mine('envs'), []);
    assert.deepEqual(mine('live'), []);
    const deployments = JSON.parse((await calma(['--json', 'deployments', fresh], { env })).stdout) as Array<{ status: string; reason: string | null }>;
    assert.equal(deployments[0]!.status, 'failed');
    assert.match(deployments[0]!.reason ?? '', /^interrupted: the daemon stopped during health$/);
  } finally {
    await server.stop();
    dir.cleanup();
  }
});

test('SIGKILL while a new app builds: the route staged meanwhile is gone after the restart', async () => {
  const domain = `${building}.test`;
  const { env, args, httpPort, config } = await setup(building, domain);
  const dir = appFromFixture('web', building, config(''));
  // A build that takes long enough to be killed in: the pipeline stages the route while it runs.
  dir.write('Dockerfile', 'FROM calma/busybox:base\nRUN sleep 60\nEXPOSE 8080\n');
  commitAll(dir);
  let server = await startCliServer(args, env);
  try {
    const pending = calma(['deploy', dir.dir], { env });
    const deadline = Date.now() + 30_000;
    let seen = await getVia(httpPort, domain, '/', { newConnection: true });
    while (seen.status !== 503 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
      seen = await getVia(httpPort, domain, '/', { newConnection: true });
    }
    assert.equal(seen.status, 503, 'staged while the release builds');
    const exited = new Promise((r) => server.child.once('exit', r));
    server.child.kill('SIGKILL');
    await exited;
    assert.equal((await pending).code, 1);

    server = await startCliServer(args, env);
    assert.equal((await getVia(httpPort, domain)).status, 404, 'no deployment ever started: the domain is unknown again');
    assert.deepEqual(readdirSync(join(home.home, 'edge', 'envs')).filter((f) => f.startsWith(`${building}--`)), []);
  } finally {
    await server.stop();
    dir.cleanup();
  }
});
