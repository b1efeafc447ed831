// Push to deploy with real git on loopback: `git push` to the daemon's remote
// deploys production; a feature branch gets its own preview at its own host
// name while production is untouched; deleting the branch removes it; a merge
// into main updates production; hostile branch names are refused; quick
// pushes to one branch supersede the waiting one.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { appFromFixture, commitAll, uniqueApp, type AppDir } from '../support/app-dir.js';
import { calma } from '../support/cli.js';
import { docker } from '../support/engine.js';
import { getVia, removeApp } from '../support/deploy-env.js';
import { freePort, tempHome } from '../support/server-helpers.js';
import { gitPush, removeAppVolumes } from '../support/git-remote.js';
import { startAppDaemon, type RunningServer } from '../support/server-cli.js';

describe('git push to the daemon', () => {
  const app = uniqueApp('gp');
  const domain = `${app}.test`;
  const home = tempHome();
  const env = { CALMA_HOME: home.home };
  let httpPort = 0;
  let apiPort = 0;
  let token = '';
  let server: RunningServer;
  let dir: AppDir;
  const config = (version: string, extra = '') =>
    `app: ${app}\n${extra}build:\n  args:\n    VERSION: ${version}\nweb:\n  port: 8080\n  healthcheck:\n    path: /cgi-bin/up\n    interval: 100ms\n    deadline: 6s\n  drain: 1s\ndomains: [${domain}]\nhttps: false\nvolumes: ["data:/www/data"]\npreviews:\n  branches: ["feature/*"]\n  domain: "{branch}.${domain}"\n`;
  const remote = () => `http://calma:${token}@127.0.0.1:${apiPort}/git/${app}.git`;
  const push = (...args: string[]) => gitPush(dir.dir, remote(), ...args);
  const commitVersion = (version: string, extra = '') => {
    dir.write('calma.yml', config(version, extra));
    dir.git('commit', '-q', '-am', `release ${version}`);
  };
  const body = async (host: string) => getVia(httpPort, host);
  const pipelines = async () => JSON.parse((await calma(['--json', 'pipelines', app], { env })).stdout) as Array<{ id: string; env: string; status: string; branch: string; stages: Array<{ stage: string }> }>;

  before(async () => {
    apiPort = await freePort();
    ({ server, httpPort } = await startAppDaemon(env, ['--listen', `127.0.0.1:${apiPort}`]));
    token = (await calma(['server', 'token', 'create', '--name', 'git'], { env })).stdout.trim();
    const created = await calma(['apps', 'create', app], { env });
    assert.equal(created.code, 0, created.stderr);
    assert.match(created.stdout, /webhook secret \(shown once/);
    dir = appFromFixture('web', app, config('v1'));
    commitAll(dir);
  });
  after(async () => {
    await server.stop();
    dir.cleanup();
    home.cleanup();
    await removeApp(app);
    await removeAppVolumes(app);
  });

  test('a push without a token is refused; calma remote prints the URL', async () => {
    const r = await gitPush(dir.dir, `http://127.0.0.1:${apiPort}/git/${app}.git`, 'main');
    assert.notEqual(r.code, 0);
    const rem = await calma(['remote', app], { env });
    assert.match(rem.stdout, new RegExp(`http://127\\.0\\.0\\.1:${apiPort}/git/${app}\\.git`));
  });

  test('pushing main deploys production, with the progress on the pusher\'s terminal', async () => {
    const r = await push('main');
    assert.equal(r.code, 0, r.out);
    assert.match(r.out, /remote: ==> deploy: /);
    assert.match(r.out, new RegExp(`remote: deployed ${app}:[0-9a-f]{12}`));
    assert.deepEqual(await body(domain), { status: 200, body: 'v1\n' });
    const [p] = await pipelines();
    assert.equal(p!.status, 'succeeded');
    assert.equal(p!.env, 'production');
    assert.deepEqual(p!.stages.map((s) => s.stage), ['source', 'build', 'tag', 'deploy']);
  });

  test('a feature branch gets its own preview; production is untouched; deleting the branch removes it', async () => {
    dir.git('checkout', '-q', '-b', 'feature/Login_Page');
    commitVersion('v2-preview');
    const r = await push('feature/Login_Page');
    assert.equal(r.code, 0, r.out);
    const previewHost = `feature-login-page.${domain}`;
    assert.deepEqual(await body(previewHost), { status: 200, body: 'v2-preview\n' });
    assert.deepEqual(await body(domain), { status: 200, body: 'v1\n' });
    const list = JSON.parse((await calma(['--json', 'previews', app], { env })).stdout) as Array<{ env: string; branch: string; url: string }>;
    assert.deepEqual(list.map((p) => [p.env, p.branch, p.url]), [['preview-feature-login-page', 'feature/Login_Page', `http://${previewHost}:${httpPort}/`]]);
    const volumes = (await docker.listVolumes()).Volumes?.map((v) => v.Name) ?? [];
    assert.ok(volumes.includes(`${app}.preview-feature-login-page_data`), 'the preview has a volume of its own');

    const del = await push(':feature/Login_Page');
    assert.equal(del.code, 0, del.out);
    assert.match(del.out, /preview preview-feature-login-page .* torn down/);
    assert.equal((await body(previewHost)).status, 404);
    const left = await docker.listContainers({ all: true, filters: { label: [`calma.app=${app}`, 'calma.env=preview-feature-login-page'] } });
    assert.equal(left.length, 0, 'no container of the preview is left');
    const after = (await docker.listVolumes()).Volumes?.map((v) => v.Name) ?? [];
    assert.ok(!after.includes(`${app}.preview-feature-login-page_data`), 'its volume is gone');
    assert.deepEqual(JSON.parse((await calma(['--json', 'previews', app], { env })).stdout), []);
    assert.deepEqual(await body(domain), { status: 200, body: 'v1\n' });
  });

  test('pushing a version tag names the commit\'s image with it, without a rebuild; other tags tag nothing', async () => {
    dir.git('checkout', '-q', 'main');
    const head = dir.git('rev-parse', 'HEAD').trim();
    const before = (await docker.listImages({ filters: { label: [`calma.app=${app}`, `calma.commit=${head}`, 'calma.role=image'] } }))[0]!;
    dir.git('tag', '-a', 'v1.4.0', '-m', 'release 1.4.0');
    const r = await push('v1.4.0');
    assert.equal(r.code, 0, r.out);
    assert.match(r.out, new RegExp(`remote: tag v1\\.4\\.0: ${app}:v1\\.4\\.0 now names the image of ${head.slice(0, 12)} \\(no rebuild\\)`));
    assert.equal((await docker.getImage(`${app}:v1.4.0`).inspect()).Id, before.Id, 'the tested image, not a new build');
    const [release] = JSON.parse((await calma(['--json', 'releases', app], { env })).stdout) as Array<{ tags: string[] }>;
    assert.deepEqual(release!.tags, ['v1.4.0']);
    dir.git('tag', 'nightly');
    const other = await push('nightly');
    assert.equal(other.code, 0, other.out);
    assert.match(other.out, /remote: tag nightly is not a version \(like v1\.2\.0\): no image tagged/);
  });

  test('a merge into main is a push: production updates', async () => {
    dir.git('checkout', '-q', 'main');
    dir.git('merge', '-q', '--no-ff', '-m', 'merge feature', 'feature/Login_Page');
    commitVersion('v2');
    const r = await push('main');
    assert.equal(r.code, 0, r.out);
    assert.deepEqual(await body(domain), { status: 200, body: 'v2\n' });
  });

  test('hostile branch names never reach a command: refused before any ref moves, or made a safe label', async () => {
    const long = `feature/${'x'.repeat(300)}`;
    const r = await push(`HEAD:refs/heads/${long}`);
    assert.notEqual(r.code, 0);
    assert.match(r.out, /remote: calma: branch name "feature\/x+…" is not a valid git branch name \(308 characters\): refused/);
    // Accepted by git, hostile anywhere else: it must become a safe label and nothing more.
    const weird = 'feature/ÜBER;$(id)`x`|<a>';
    const w = await push(`HEAD:refs/heads/${weird}`);
    assert.equal(w.code, 0, w.out);
    const host = `feature-uber-id-x-a.${domain}`;
    assert.equal((await body(host)).status, 200);
    const [p] = JSON.parse((await calma(['--json', 'previews', app], { env })).stdout) as Array<{ env: string; branch: string }>;
    assert.deepEqual([p!.env, p!.branch], ['preview-feature-uber-id-x-a', weird]);
    const gone = await push(`:refs/heads/${weird}`);
    assert.equal(gone.code, 0, gone.out);
    assert.equal((await body(host)).status, 404);
  });

  test('three quick pushes to one branch: the first and the last run, the middle one is superseded', async () => {
    // The first release's command holds its pipeline for 4 s: it still runs when the third push
    // arrives, however fast the machine builds (a fixed pause once let it end before).
    commitVersion('v3', 'release: ["sh", "-c", "sleep 4"]\n');
    const first = push('main');
    const waitFor = async (status: string): Promise<void> => {
      const deadline = Date.now() + 30_000;
      while (!(await pipelines()).some((p) => p.status === status) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    };
    await waitFor('running');
    commitVersion('v4');
    const second = push('main');
    await waitFor('queued');
    commitVersion('v5');
    const third = push('main');
    const results = await Promise.all([first, second, third]);
    for (const r of results) assert.equal(r.code, 0, r.out);
    assert.match(results[1]!.out, /superseded/);
    const recent = (await pipelines()).slice(0, 3).reverse();
    assert.deepEqual(recent.map((p) => p.status), ['succeeded', 'superseded', 'succeeded']);
    assert.deepEqual(await body(domain), { status: 200, body: 'v5\n' });
    const log = await calma(['logs', app, '--pipeline', recent[2]!.id], { env });
    assert.match(log.stdout, /==> deploy: /);
    assert.match(log.stdout, /succeeded/);
  });
});
