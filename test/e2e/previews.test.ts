// Previews and commit statuses with a running daemon and real git on loopback:
// the test gate's result reaches a git host's status API (a local server that
// records the calls); a preview starts from a copy of production's data; at
// most `max` previews live, the oldest idle one going first; a preview without
// a push for `ttl` is torn down.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { appFromFixture, commitAll, uniqueApp, type AppDir } from '../support/app-dir.js';
import { calma } from '../support/cli.js';
import { docker, execIn } from '../support/engine.js';
import { getVia, removeApp } from '../support/deploy-env.js';
import { freePort, tempHome } from '../support/server-helpers.js';
import { gitPush, removeAppVolumes } from '../support/git-remote.js';
import { startAppDaemon, type RunningServer } from '../support/server-cli.js';

interface StatusCall {
  path: string;
  authorization: string | undefined;
  state: string;
  context: string;
}

describe('previews and commit statuses', () => {
  const app = uniqueApp('pv');
  const domain = `${app}.test`;
  const home = tempHome();
  const env = { CALMA_HOME: home.home };
  const gitToken = 'ghp_statusTokenFor_e2e_0123456789';
  const calls: StatusCall[] = [];
  let statusApi: http.Server;
  let statusPort = 0;
  let httpPort = 0;
  let apiPort = 0;
  let token = '';
  let server: RunningServer;
  let dir: AppDir;
  const config = (version: string) =>
    [
      `app: ${app}`,
      'build:',
      '  target: production',
      `  args: { VERSION: ${version} }`,
      '  test: { target: test, timeout: 1m }',
      'web:',
      '  port: 8080',
      '  healthcheck: { path: /cgi-bin/up, interval: 100ms, deadline: 6s }',
      '  drain: 1s',
      `domains: [${domain}]`,
      'https: false',
      'volumes: ["data:/www/data"]',
      'backup: { volumes: [data], keep: 5 }',
      'previews:',
      '  branches: ["feature/*"]',
      `  domain: "{branch}.${domain}"`,
      '  data: copy',
      '  max: 1',
      '  ttl: 20s',
      'source:',
      '  token: GIT_TOKEN',
      `  status: { provider: github, api: "http://127.0.0.1:${statusPort}", repo: team/shop }`,
      '',
    ].join('\n');
  const push = (...args: string[]) => gitPush(dir.dir, `http://calma:${token}@127.0.0.1:${apiPort}/git/${app}.git`, ...args);
  const commitVersion = (version: string) => {
    dir.write('calma.yml', config(version));
    dir.git('commit', '-q', '-am', `release ${version}`);
    return dir.git('rev-parse', 'HEAD').trim();
  };
  const previews = async () => JSON.parse((await calma(['--json', 'previews', app], { env })).stdout) as Array<{ env: string; branch: string }>;
  const statusesOf = async (sha: string, want: number): Promise<StatusCall[]> => {
    const deadline = Date.now() + 10_000;
    for (;;) {
      const mine = calls.filter((c) => c.path === `/repos/team/shop/statuses/${sha}`);
      if (mine.length >= want || Date.now() > deadline) return mine;
      await new Promise((r) => setTimeout(r, 100));
    }
  };

  before(async () => {
    statusApi = http.createServer((req, res) => {
      let body = '';
      req.on('data', (d: Buffer) => (body += d.toString()));
      req.on('end', () => {
        const b = JSON.parse(body || '{}') as { state?: string; context?: string };
        calls.push({ path: req.url ?? '', authorization: req.headers.authorization, state: b.state ?? '', context: b.context ?? '' });
        res.writeHead(201, { 'content-type': 'application/json' }).end('{}');
      });
    });
    await new Promise<void>((r) => statusApi.listen(0, '127.0.0.1', r));
    statusPort = (statusApi.address() as { port: number }).port;
    apiPort = await freePort();
    ({ server, httpPort } = await startAppDaemon(env, ['--listen', `127.0.0.1:${apiPort}`]));
    token = (await calma(['server', 'token', 'create', '--scope', 'deploy', '--app', app], { env })).stdout.trim();
    assert.equal((await calma(['apps', 'create', app], { env })).code, 0);
    assert.equal((await calma(['secrets', 'set', app, 'GIT_TOKEN'], { env, input: gitToken })).code, 0);
    dir = appFromFixture('web', app, config('v1'));
    // A test stage that fails for the version "broken".
    appendFileSync(join(dir.dir, 'Dockerfile'), '\nFROM production AS test\nCMD ["sh", "-c", "test \\"$(cat /www/index.html)\\" != broken && echo tests passed"]\n');
    commitAll(dir);
  });
  after(async () => {
    await server.stop();
    statusApi.close();
    dir.cleanup();
    home.cleanup();
    await removeApp(app);
    await removeAppVolumes(app);
  });

  test('the test gate is reported as a commit status with the token: pending, then success', async () => {
    const r = await push('main');
    assert.equal(r.code, 0, r.out);
    assert.match(r.out, /tests passed/);
    const sha = dir.git('rev-parse', 'HEAD').trim();
    const mine = await statusesOf(sha, 2);
    assert.deepEqual(mine.map((c) => [c.state, c.context]), [['pending', 'calma/test'], ['success', 'calma/test']]);
    assert.ok(mine.every((c) => c.authorization === `Bearer ${gitToken}`));
    assert.ok(!server.logs().includes(gitToken), 'the token is not logged');
  });

  test('a failing test is reported as failure and deploys nothing', async () => {
    dir.git('checkout', '-q', '-b', 'feature/broken');
    const sha = commitVersion('broken');
    const r = await push('feature/broken');
    assert.match(r.out, /failed/);
    const mine = await statusesOf(sha, 2);
    assert.deepEqual(mine.map((c) => c.state), ['pending', 'failure']);
    assert.notEqual((await getVia(httpPort, `feature-broken.${domain}`)).body, 'broken\n');
    assert.equal((await push(':feature/broken')).code, 0);
    dir.git('checkout', '-q', 'main');
  });

  test("a preview starts from a copy of production's data, in volumes of its own", async () => {
    const [web] = await docker.listContainers({ filters: { label: [`calma.app=${app}`, 'calma.env=production', 'calma.role=web'] } });
    await execIn(web!.Id, ['sh', '-c', 'echo production-note > /www/data/note.txt']);
    const backup = await calma(['backup', app], { env });
    assert.equal(backup.code, 0, backup.stderr);
    dir.git('checkout', '-q', '-b', 'feature/a');
    commitVersion('v2-a');
    const r = await push('feature/a');
    assert.equal(r.code, 0, r.out);
    assert.match(r.out, /starts from a copy of production's backup/);
    const host = `feature-a.${domain}`;
    assert.deepEqual(await getVia(httpPort, host), { status: 200, body: 'v2-a\n' });
    assert.deepEqual(await getVia(httpPort, host, '/data/note.txt'), { status: 200, body: 'production-note\n' });
    assert.deepEqual(await getVia(httpPort, domain), { status: 200, body: 'v1\n' });
  });

  test('max: 1 — a second preview pushes out the oldest idle one, and says so', async () => {
    dir.git('checkout', '-q', '-b', 'feature/b');
    commitVersion('v2-b');
    const r = await push('feature/b');
    assert.equal(r.code, 0, r.out);
    assert.match(r.out, /at most 1 live; removing the oldest idle one, preview-feature-a/);
    assert.equal((await getVia(httpPort, `feature-a.${domain}`)).status, 404);
    assert.deepEqual(await getVia(httpPort, `feature-b.${domain}`), { status: 200, body: 'v2-b\n' });
    assert.deepEqual((await previews()).map((p) => p.branch), ['feature/b']);
  });

  test('ttl: a preview without a push for 20 s is torn down, containers and volumes included', async () => {
    // 20 s after its push, checked every 10 s (half the ttl).
    const deadline = Date.now() + 45_000;
    while ((await previews()).length > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 500));
    assert.deepEqual(await previews(), []);
    assert.equal((await getVia(httpPort, `feature-b.${domain}`)).status, 404);
    const left = await docker.listContainers({ all: true, filters: { label: [`calma.app=${app}`, 'calma.env=preview-feature-b'] } });
    assert.equal(left.length, 0);
    const volumes = (await docker.listVolumes()).Volumes?.map((v) => v.Name) ?? [];
    assert.ok(!volumes.some((v) => v.startsWith(`${app}.preview-`)), 'no preview volume is left');
    assert.deepEqual(await getVia(httpPort, domain), { status: 200, body: 'v1\n' });
  });
});
