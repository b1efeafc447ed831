// Webhooks from each git host, in their documented formats (fixtures with
// their headers): a valid signature runs a pipeline against a local bare
// repository; wrong or missing signatures, a replayed body under another
// event, oversized and malformed bodies are refused before anything runs.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { createHmac } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { appFromFixture, commitAll, fixturesDir, uniqueApp, type AppDir } from '../support/app-dir.js';
import { calma } from '../support/cli.js';
import { getVia, removeApp } from '../support/deploy-env.js';
import { freePort, tempHome } from '../support/server-helpers.js';
import { startAppDaemon, type RunningServer } from '../support/server-cli.js';

const FIXTURE_SHA = '59b20b8d5c6ff8d09518454d4dd8b7a30f095ab5';

describe('webhooks', () => {
  const app = uniqueApp('wh');
  const domain = `${app}.test`;
  const home = tempHome();
  const env = { CALMA_HOME: home.home };
  const upstream = mkdtempSync(join(tmpdir(), 'calma-upstream-'));
  let httpPort = 0;
  let apiPort = 0;
  let secret = '';
  let server: RunningServer;
  let dir: AppDir;
  let delivery = 0;
  const config = (version: string) =>
    `app: ${app}\nbuild:\n  args:\n    VERSION: ${version}\nweb:\n  port: 8080\n  healthcheck:\n    path: /cgi-bin/up\n    interval: 100ms\n    deadline: 6s\n  drain: 1s\ndomains: [${domain}]\nhttps: false\npreviews:\n  branches: ["feature/*"]\n  domain: "{branch}.${domain}"\n`;

  /** A new commit on main, pushed to the upstream repository; returns its sha. */
  const release = (version: string): string => {
    dir.write('calma.yml', config(version));
    dir.git('commit', '-q', '-am', `release ${version}`);
    dir.git('push', '-q', upstream, 'main');
    return dir.git('rev-parse', 'HEAD');
  };
  /** A fixture with its sha replaced and a fresh delivery id. */
  const fixture = (provider: string, name: string, sha: string): { headers: Record<string, string>; raw: Buffer } => {
    const text = readFileSync(join(fixturesDir, 'webhooks', provider, `${name}.json`), 'utf8').replaceAll(FIXTURE_SHA, sha);
    const f = JSON.parse(text) as { headers: Record<string, string>; body: unknown };
    delivery++;
    const headers = Object.fromEntries(Object.entries(f.headers).map(([k, v]) => [k, /delivery|uuid|idempotency/i.test(k) ? `${v.slice(0, -6)}${String(delivery).padStart(6, '0')}` : v]));
    return { headers, raw: Buffer.from(JSON.stringify(f.body)) };
  };
  const hmac = (raw: Buffer, key = secret) => createHmac('sha256', key).update(raw).digest('hex');
  const post = async (provider: string, headers: Record<string, string>, raw: Buffer) => {
    const r = await fetch(`http://127.0.0.1:${apiPort}/hooks/${provider}/${app}`, { method: 'POST', headers: Object.fromEntries(Object.entries({ 'content-type': 'application/json', ...headers }).map(([k, v]) => [k.toLowerCase(), v])), body: new Uint8Array(raw) });
    return { status: r.status, body: (await r.json()) as { message?: string; error?: { message: string } } };
  };
  /**
   * The status of a POST the daemon may answer before the body is all sent (a
   * 413 closes the connection): fetch reports such a write as failed without
   * the answer, node's client reads the answer that already arrived.
   */
  const postEarlyAnswer = (provider: string, headers: Record<string, string>, raw: Buffer): Promise<number> =>
    new Promise((resolve, reject) => {
      let status = 0;
      const req = http.request({ host: '127.0.0.1', port: apiPort, path: `/hooks/${provider}/${app}`, method: 'POST', headers: { 'content-type': 'application/json', 'content-length': raw.length, ...headers } }, (res) => {
        status = res.statusCode ?? 0;
        res.resume().on('end', () => resolve(status)).on('error', () => resolve(status));
      });
      req.on('error', (e) => (status ? resolve(status) : reject(e)));
      req.end(raw);
    });
  const pipelines = async () => JSON.parse((await calma(['--json', 'pipelines', app], { env })).stdout) as Array<{ id: string; status: string; trigger: string; commit: string }>;
  const settled = async (count: number) => {
    const deadline = Date.now() + 90_000;
    for (;;) {
      const list = await pipelines();
      if (list.length >= count && list.every((p) => !['queued', 'running'].includes(p.status))) return list;
      if (Date.now() > deadline) throw new Error(`pipelines did not settle: ${JSON.stringify(list)}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  };
  const served = async () => (await getVia(httpPort, domain)).body;

  before(async () => {
    apiPort = await freePort();
    ({ server, httpPort } = await startAppDaemon(env, ['--listen', `127.0.0.1:${apiPort}`]));
    execFileSync('git', ['init', '-q', '--bare', '--initial-branch=main', upstream]);
    dir = appFromFixture('web', app, config('v0'));
    commitAll(dir);
    const created = JSON.parse((await calma(['--json', 'apps', 'create', app, '--repository', `file://${upstream}`], { env })).stdout) as { webhookSecret: string };
    secret = created.webhookSecret;
  });
  after(async () => {
    await server.stop();
    dir.cleanup();
    home.cleanup();
    rmSync(upstream, { recursive: true, force: true });
    await removeApp(app);
  });

  test('GitHub: a signed push runs a pipeline that fetches the commit and deploys it', async () => {
    const sha = release('v1');
    const { headers, raw } = fixture('github', 'push', sha);
    const r = await post('github', { ...headers, 'X-Hub-Signature-256': `sha256=${hmac(raw)}` }, raw);
    assert.equal(r.status, 202, JSON.stringify(r.body));
    const [p] = await settled(1);
    assert.deepEqual([p!.status, p!.trigger, p!.commit], ['succeeded', 'webhook', sha]);
    assert.equal(await served(), 'v1\n');
  });

  test('refused before anything runs: wrong, missing or reused signatures, another event, oversized and malformed bodies', async () => {
    const sha = release('v-refused');
    const { headers, raw } = fixture('github', 'push', sha);
    const wrong = await post('github', { ...headers, 'X-Hub-Signature-256': `sha256=${hmac(raw, 'not-the-secret')}` }, raw);
    assert.equal(wrong.status, 401);
    const missing = await post('github', headers, raw);
    assert.equal(missing.status, 401);
    assert.match(missing.body.error!.message, /X-Hub-Signature-256/i);
    // The signed body of a push, replayed under another event name: it does not read as one.
    const replay = await post('github', { ...headers, 'X-GitHub-Event': 'pull_request', 'X-GitHub-Delivery': 'replay-1', 'X-Hub-Signature-256': `sha256=${hmac(raw)}` }, raw);
    assert.equal(replay.status, 400, JSON.stringify(replay.body));
    const big = Buffer.alloc(6 * 1024 * 1024, 0x20);
    assert.equal(await postEarlyAnswer('github', { ...headers, 'X-Hub-Signature-256': `sha256=${hmac(big)}` }, big), 413);
    const bad = Buffer.from('{"ref": ');
    assert.equal((await post('github', { ...headers, 'X-GitHub-Delivery': 'bad-1', 'X-Hub-Signature-256': `sha256=${hmac(bad)}` }, bad)).status, 400);
    const ping = fixture('github', 'ping', sha);
    const ignored = await post('github', { ...ping.headers, 'X-Hub-Signature-256': `sha256=${hmac(ping.raw)}` }, ping.raw);
    assert.equal(ignored.status, 202);
    assert.match(ignored.body.message!, /^ignored/);
    const gitlab = fixture('gitlab', 'push', sha);
    assert.equal((await post('gitlab', { ...gitlab.headers, 'X-Gitlab-Token': 'wrong' }, gitlab.raw)).status, 401);
    const gitea = fixture('gitea', 'push', sha);
    assert.equal((await post('gitea', { ...gitea.headers, 'X-Gitea-Signature': hmac(gitea.raw, 'nope') }, gitea.raw)).status, 401);
    await new Promise((r) => setTimeout(r, 500));
    assert.equal((await pipelines()).length, 1, 'no pipeline ran for a refused hook');
    assert.equal(await served(), 'v1\n');
  });

  test('the same delivery twice runs once', async () => {
    const sha = release('v2');
    const { headers, raw } = fixture('github', 'push', sha);
    const signed = { ...headers, 'X-Hub-Signature-256': `sha256=${hmac(raw)}` };
    assert.equal((await post('github', signed, raw)).status, 202);
    assert.equal((await post('github', signed, raw)).status, 409);
    await settled(2);
    assert.equal(await served(), 'v2\n');
  });

  test('GitLab (token) and Gitea (HMAC) pushes deploy too', async () => {
    const v3 = release('v3');
    const gl = fixture('gitlab', 'push', v3);
    assert.equal((await post('gitlab', { ...gl.headers, 'X-Gitlab-Token': secret }, gl.raw)).status, 202);
    await settled(3);
    assert.equal(await served(), 'v3\n');
    const v4 = release('v4');
    const gt = fixture('gitea', 'push', v4);
    assert.equal((await post('gitea', { ...gt.headers, 'X-Gitea-Signature': hmac(gt.raw) }, gt.raw)).status, 202);
    const list = await settled(4);
    assert.ok(list.every((p) => p.status === 'succeeded'), JSON.stringify(list));
    assert.equal(await served(), 'v4\n');
  });

  test("pull requests from forks: fetched from the host's pull ref into a preview; a fork's main never reaches production", async () => {
    /** A commit that exists upstream only as the pull request's ref, as a fork's commit does. */
    const forkCommit = (version: string, n: number): string => {
      dir.git('checkout', '-q', '-b', `fork-${n}`, 'main');
      dir.write('calma.yml', config(version));
      dir.git('commit', '-q', '-am', `fork ${version}`);
      dir.git('push', '-q', upstream, `HEAD:refs/pull/${n}/head`);
      const sha = dir.git('rev-parse', 'HEAD').trim();
      dir.git('checkout', '-q', 'main');
      return sha;
    };
    const opened = (n: number, headRef: string, sha: string) => {
      const f = fixture('github', 'pull-request-opened', sha);
      const body = JSON.parse(f.raw.toString()) as { number: number; pull_request: { number: number; head: { ref: string; sha: string } } };
      body.number = n;
      body.pull_request.number = n;
      body.pull_request.head.ref = headRef;
      body.pull_request.head.sha = sha;
      const raw = Buffer.from(JSON.stringify(body));
      return post('github', { ...f.headers, 'X-Hub-Signature-256': `sha256=${hmac(raw)}` }, raw);
    };
    const before = (await pipelines()).length;

    const evil = forkCommit('fork-main', 7);
    assert.equal((await opened(7, 'main', evil)).status, 202);
    const good = forkCommit('fork-feature', 8);
    assert.equal((await opened(8, 'feature/from-fork', good)).status, 202);
    const list = await settled(before + 1).catch((e: Error) => {
      throw new Error(`${e.message}\n${server.logs().split('\n').filter((l) => /webhook/.test(l)).slice(-5).join('\n')}`);
    });
    const mine = list.filter((p) => p.commit === evil || p.commit === good);
    assert.deepEqual(mine.map((p) => [p.commit, p.status]), [[good, 'succeeded']], 'only the feature pull request ran');
    assert.deepEqual(await getVia(httpPort, `feature-from-fork.${domain}`), { status: 200, body: 'fork-feature\n' });
    assert.equal(await served(), 'v4\n', "production still serves main's release");
    const previews = JSON.parse((await calma(['--json', 'previews', app], { env })).stdout) as Array<{ branch: string; pullRequest: number | null }>;
    assert.deepEqual(previews.map((p) => [p.branch, p.pullRequest]), [['feature/from-fork', 8]]);
  });
});
