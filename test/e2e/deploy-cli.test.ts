// calma deploy / rollback / releases / status through the real executable
// and a real daemon with its nginx: what a user does, checked over HTTP.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { appFromFixture, commitAll, repoRoot, uniqueApp, type AppDir } from '../support/app-dir.js';
import { calma } from '../support/cli.js';
import { docker, execIn } from '../support/engine.js';
import { getVia, removeApp } from '../support/deploy-env.js';
import { freePort, tempHome } from '../support/server-helpers.js';
import { startAppDaemon, startCliServer, type RunningServer } from '../support/server-cli.js';

describe('calma deploy through the daemon', () => {
  const app = uniqueApp('cli');
  const domain = `${app}.test`;
  const home = tempHome();
  const env = { CALMA_HOME: home.home };
  let httpPort = 0;
  let server: RunningServer;
  let dir: AppDir;
  const config = (version: string, extra = '') =>
    `app: ${app}\nbuild:\n  args:\n    VERSION: ${version}\nweb:\n  port: 8080\n  replicas: 2\n  healthcheck:\n    path: /cgi-bin/up\n    interval: 100ms\n    deadline: 4s\n  drain: 2s\ndomains: [${domain}]\nhttps: false\nvolumes: ["data:/www/data"]\n${extra}`;
  const deployVersion = async (version: string, extra = '') => {
    dir.write('calma.yml', config(version, extra));
    dir.git('commit', '-q', '-am', `release ${version}`, '--allow-empty');
    return calma(['deploy', dir.dir], { env });
  };
  const body = async () => (await getVia(httpPort, domain)).body;

  before(async () => {
    ({ server, httpPort } = await startAppDaemon(env));
    dir = appFromFixture('web', app, config('v1'));
    commitAll(dir);
  });
  after(async () => {
    await server.stop();
    dir.cleanup();
    home.cleanup();
    await removeApp(app);
    await docker.getVolume(`${app}_data`).remove().catch(() => undefined);
  });

  test('a first deploy whose build fails leaves no route behind: the domain stays unknown to the edge', async () => {
    // The new environment's route is staged while the release builds (deploy/prepare.ts); the failure takes it away again.
    dir.write('calma.yml', config('v1').replace('build:\n', 'build:\n  target: nowhere\n'));
    const r = await calma(['deploy', dir.dir], { env });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /nowhere/);
    assert.deepEqual(readdirSync(join(home.home, 'edge', 'envs')), []);
    assert.equal((await getVia(httpPort, domain)).status, 404);
    dir.write('calma.yml', config('v1'));
  });

  test('the first deploy serves the release and prints its URL', async () => {
    const r = await calma(['deploy', dir.dir], { env });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`deployed ${app}:[0-9a-f]{12} \\(d[0-9a-z]+\\): http://${domain}:${httpPort}/\\n$`));
    assert.equal(await body(), 'v1\n');
  });

  test('a redeploy switches to the new release; a named volume keeps its content', async () => {
    const web = (await docker.listContainers({ filters: { label: [`calma.app=${app}`, 'calma.role=web'] } }))[0]!;
    await execIn(web.Id, ['sh', '-c', 'echo kept > /www/data/note.txt']);
    const r = await deployVersion('v2');
    assert.equal(r.code, 0, r.stderr);
    assert.equal(await body(), 'v2\n');
    assert.deepEqual(await getVia(httpPort, domain, '/data/note.txt'), { status: 200, body: 'kept\n' });
  });

  test('a crashing release fails with exit 1 and one clear line; the previous one keeps serving', async () => {
    const r = await deployVersion('v3', 'env:\n  CRASH: "1"\n');
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^error: container calma-.* (exited with code 1|crashed .*) before it became healthy\n$/);
    assert.match(r.stdout, /crashing on purpose/, 'the container logs are shown');
    assert.equal(await body(), 'v2\n');
  });

  test('rollback goes to the previous release, and to a named one', async () => {
    const releases = JSON.parse((await calma(['--json', 'releases', app], { env })).stdout) as Array<{ version: string; current: boolean }>;
    assert.equal(releases.length, 2);
    assert.equal(releases[0]!.current, true);
    const back = await calma(['rollback', app], { env });
    assert.equal(back.code, 0, back.stderr);
    assert.equal(await body(), 'v1\n');
    const named = await calma(['rollback', app, releases[0]!.version], { env });
    assert.equal(named.code, 0, named.stderr);
    assert.equal(await body(), 'v2\n');
    const unknown = await calma(['rollback', app, 'nope'], { env });
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /^error: no release "nope" went live in .*\/production \(it has .*\)\n$/);
  });

  test('status and deployments tell what runs and what happened', async () => {
    const status = JSON.parse((await calma(['--json', 'status'], { env })).stdout) as Array<{ app: string; containers: unknown[]; lastDeployment: { status: string } }>;
    const mine = status.find((s) => s.app === app)!;
    assert.equal(mine.containers.length, 2);
    assert.equal(mine.lastDeployment.status, 'succeeded');
    const deployments = JSON.parse((await calma(['--json', 'deployments', app], { env })).stdout) as Array<{ kind: string; status: string; steps: Array<{ step: string }> }>;
    assert.deepEqual(deployments.map((d) => `${d.kind}:${d.status}`), ['rollback:succeeded', 'rollback:succeeded', 'deploy:failed', 'deploy:succeeded', 'deploy:succeeded']);
    assert.deepEqual(deployments[3]!.steps.map((s) => s.step), ['start', 'health', 'switch', 'verify', 'drain', 'stop']);
  });

  test('keep: releases beyond it are removed with the images calma built for them, never one a kept release uses', async () => {
    const before = JSON.parse((await calma(['--json', 'releases', app], { env })).stdout) as Array<{ version: string; image: string; available: boolean }>;
    // Four releases in the engine now: v2 (serving, from the last rollback), v1 (the rollback before), v2 and v1.
    const [v2, v1] = before;
    assert.deepEqual(before.map((r) => r.available), [true, true]);
    const r = await deployVersion('v5', 'keep: 1\n');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`removed image .*${v1!.image}`));
    const after = JSON.parse((await calma(['--json', 'releases', app], { env })).stdout) as Array<{ version: string; image: string; available: boolean }>;
    const v5 = after[0]!;
    assert.deepEqual(after.map((x) => [x.version, x.available]), [[v5.version, true], [v2!.version, true], [v1!.version, false]]);
    await assert.rejects(docker.getImage(v1!.image).inspect(), 'v1 is beyond keep: its image is gone');
    const web = await docker.listContainers({ all: true, filters: { label: [`calma.app=${app}`, 'calma.role=web'] } });
    assert.deepEqual([...new Set(web.map((c) => `${c.State === 'running' ? 'serving' : 'kept'} ${c.Image}`))].sort(), [`kept ${v2!.image}`, `serving ${v5.image}`]);
    assert.equal(await body(), 'v5\n');
  });

  test('deploy --no-wait is refused with one line while another deployment of the environment runs; the running one is untouched', async () => {
    // The release command holds the first deployment long enough to try a second one beside it.
    dir.write('calma.yml', config('v6', 'release: ["sh", "-c", "sleep 3"]\n'));
    dir.git('commit', '-q', '-am', 'release v6');
    const first = calma(['deploy', dir.dir], { env });
    let running: { id: string } | undefined;
    for (const end = Date.now() + 30_000; !running && Date.now() < end; await new Promise((r) => setTimeout(r, 100))) {
      const pipelines = JSON.parse((await calma(['--json', 'pipelines', app], { env })).stdout) as Array<{ id: string; status: string }>;
      running = pipelines.find((p) => p.status === 'running');
    }
    assert.ok(running, 'the first deployment is running');
    const refused = await calma(['deploy', dir.dir, '--no-wait'], { env });
    assert.equal(refused.code, 1);
    assert.equal(refused.stderr, `error: ${app}/production is busy with pipeline ${running.id}: retry later, or drop --no-wait to wait for it\n`);
    const done = await first;
    assert.equal(done.code, 0, done.stderr);
    assert.equal(await body(), 'v6\n');
    const pipelines = JSON.parse((await calma(['--json', 'pipelines', app], { env })).stdout) as Array<{ id: string; status: string }>;
    assert.equal(pipelines.find((p) => p.id === running!.id)?.status, 'succeeded');
    assert.equal(pipelines.filter((p) => p.status === 'queued' || p.status === 'running').length, 0, 'the refused one left nothing behind');
  });

  test('secrets: a missing one stops the deploy; a set one reaches the app and is never shown back', async () => {
    const missing = await deployVersion('v4', 'secrets: [APP_SECRET]\n');
    assert.equal(missing.code, 1);
    assert.equal(missing.stderr, `error: secret APP_SECRET is not set: calma secrets set ${app} APP_SECRET\n`);
    const value = 'correct-horse-battery-staple';
    const set = await calma(['secrets', 'set', app, 'APP_SECRET'], { env, input: value });
    assert.equal(set.code, 0, set.stderr);
    // A release command that echoes the secret: its output is shown, with the value blanked.
    const r = await deployVersion('v4', 'secrets: [APP_SECRET]\nrelease: ["sh", "-c", "echo leaked=$APP_SECRET"]\n');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /leaked=\*\*\*/);
    assert.deepEqual(await getVia(httpPort, domain, '/cgi-bin/secret'), { status: 200, body: `${value}\n` });
    const list = await calma(['--json', 'secrets', 'list', app], { env });
    assert.deepEqual((JSON.parse(list.stdout) as Array<{ name: string }>).map((s) => s.name), ['APP_SECRET']);
    for (const out of [list.stdout, set.stdout, r.stdout, r.stderr, server.logs()]) assert.ok(!out.includes(value), 'the value never appears in output or logs');
  });

  test('logs, exec, and removing the app', async () => {
    const logs = await calma(['logs', app, '-n', '5'], { env });
    assert.equal(logs.code, 0, logs.stderr);
    const lines = logs.stdout.trim().split('\n');
    assert.equal(lines.filter((l) => / \| serving on 8080$/.test(l)).length, 2, 'one line from each replica');
    const exec = await calma(['exec', app, '--', 'sh', '-c', 'cat /www/index.html; exit 3'], { env });
    assert.equal(exec.code, 3);
    assert.equal(exec.stdout, 'v4\n');
    // With a terminal (script(1) gives the CLI one), the command gets a terminal of its own.
    const tty = await ttyRun(`node ${join(repoRoot, 'dist', 'src', 'cli', 'main.js')} exec ${app} -- sh -c 'tty; exit 6'`);
    assert.equal(tty.code, 6);
    assert.match(tty.output, /\/dev\/pts\/\d+/);
    const before = (await docker.listContainers({ all: true, filters: { label: [`calma.app=${app}`] } })).length;
    assert.ok(before >= 4, 'serving and stopped releases');
    const removed = await calma(['--json', 'apps', 'remove', app], { env });
    assert.equal(removed.code, 0, removed.stderr);
    assert.deepEqual(JSON.parse(removed.stdout), { containers: before, routes: 1, volumes: [] });
    assert.equal((await getVia(httpPort, domain)).status, 404);
    assert.deepEqual(await docker.listContainers({ all: true, filters: { label: [`calma.app=${app}`] } }), []);
    assert.ok(await docker.getVolume(`${app}_data`).inspect(), 'the data volume is kept without --volumes');
    const again = await calma(['apps', 'remove', app], { env });
    assert.equal(again.stderr, `error: no app named ${app}\n`);
  });

  /** Runs a shell command line under script(1), which gives it a pseudo-terminal. */
  function ttyRun(commandLine: string): Promise<{ code: number; output: string }> {
    return new Promise((resolve, reject) => {
      const child = spawn('script', ['-qec', commandLine, '/dev/null'], { env: { ...process.env, ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
      let output = '';
      child.stdout.on('data', (d: Buffer) => (output += d.toString()));
      child.on('error', reject);
      child.on('close', (code) => resolve({ code: code ?? -1, output }));
      setTimeout(() => child.stdin.end(), 5000).unref();
    });
  }
});
