// The dashboard in a real browser against a real daemon and real deployments
// on loopback: log in; see production and a preview; a deploy started from
// the CLI shows up in the open page, its log streams while it runs and its
// state turns green; a rollback from the button brings the previous release
// back, checked through the edge; releases and deployments name who made them
// (git push, the CLI over the socket, the user in the dashboard) and the git
// tags; no console errors; a screenshot of every
// page at desktop width and at 360 px under test-artifacts/dashboard/.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { appFromFixture, commitAll, repoRoot, uniqueApp, type AppDir } from '../support/app-dir.js';
import { calma } from '../support/cli.js';
import { cliEntry, startAppDaemon, type RunningServer } from '../support/server-cli.js';
import { getVia, removeApp } from '../support/deploy-env.js';
import { docker } from '../support/engine.js';
import { gitPush, removeAppVolumes } from '../support/git-remote.js';
import { freePort, tempHome } from '../support/server-helpers.js';
import { artifactsDir, desktop, launchChromium, phone, screenshotBoth, watchProblems } from '../support/browser.js';

const user = 'ana';
const password = 'correct horse battery';

describe('the dashboard in a browser', () => {
  const app = uniqueApp('dash');
  const domain = `${app}.test`;
  const home = tempHome();
  const env = { CALMA_HOME: home.home };
  const shots = artifactsDir('dashboard');
  let server: RunningServer;
  let httpPort = 0;
  let apiPort = 0;
  let base = '';
  let dir: AppDir;
  let browser: Browser;
  let page: Page;
  let problems: () => string[];
  // A release command that takes a few seconds, so the page can be watched while the deploy runs.
  const config = (version: string) =>
    `app: ${app}\nbuild:\n  args:\n    VERSION: ${version}\nweb:\n  port: 8080\n  healthcheck:\n    path: /cgi-bin/up\n    interval: 100ms\n    deadline: 6s\n  drain: 1s\n` +
    `release: ["sh", "-c", "echo migrating ${version}; sleep 4; echo migrated ${version}"]\n` +
    `volumes: ["data:/www/data"]\nbackup:\n  volumes: [data]\n` +
    `domains: [${domain}]\nhttps: false\npreviews:\n  branches: ["feature/*"]\n  domain: "{branch}.${domain}"\n`;
  const commitVersion = (version: string) => {
    dir.write('calma.yml', config(version));
    dir.git('commit', '-q', '-am', `release ${version}`);
  };
  const push = async (token: string, ref: string): Promise<string> => {
    const r = await gitPush(dir.dir, `http://calma:${token}@127.0.0.1:${apiPort}/git/${app}.git`, ref);
    if (r.code !== 0) throw new Error(`git push ${ref}: ${r.out}`);
    return r.out;
  };
  const served = async (host: string) => (await getVia(httpPort, host)).body;
  const open = async (hash: string) => {
    await page.goto(`${base}${hash}`);
    await page.waitForFunction(() => document.querySelector('main') !== null && document.querySelector('[aria-busy="true"]') === null);
  };

  before(async () => {
    assert.ok(existsSync(join(repoRoot, 'dist', 'dashboard', 'index.html')), 'the dashboard is not built: run `npx vite build dashboard` (part of npm run build)');
    apiPort = await freePort();
    ({ server, httpPort } = await startAppDaemon(env, ['--listen', `127.0.0.1:${apiPort}`]));
    base = `http://127.0.0.1:${apiPort}/`;
    const added = await calma(['users', 'add', user, '--password-stdin'], { env, input: `${password}\n` });
    assert.equal(added.code, 0, added.stderr);
    const created = await calma(['apps', 'create', app], { env });
    assert.equal(created.code, 0, created.stderr);
    const token = (await calma(['tokens', 'create', '--scope', 'deploy', '--app', app, '--name', 'git'], { env })).stdout.trim();
    assert.ok(token, 'a deploy token for git pushes');

    // Production at v1 and a preview of a feature branch, both through git pushes.
    dir = appFromFixture('web', app, config('v1'));
    commitAll(dir);
    await push(token, 'main');
    dir.git('checkout', '-q', '-b', 'feature/search');
    commitVersion('v1-preview');
    await push(token, 'feature/search');
    dir.git('checkout', '-q', 'main');
    assert.equal(await served(domain), 'v1\n');
    assert.equal(await served(`feature-search.${domain}`), 'v1-preview\n');

    browser = await launchChromium();
    page = await browser.newPage({ viewport: desktop });
    problems = watchProblems(page);
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
    dir?.cleanup();
    home.cleanup();
    await removeApp(app);
    await removeAppVolumes(app);
  });

  test('a wrong password is refused on the form; the right one logs in', async () => {
    await page.goto(base);
    await page.getByLabel('User').fill(user);
    await screenshotBoth(page, shots, 'login');
    await page.getByLabel('Password').fill('not the password');
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByRole('alert').waitFor();
    assert.match(await page.getByRole('alert').innerText(), /password|user/i);
    await page.getByLabel('Password').fill(password);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByRole('heading', { name: 'Apps', level: 1 }).waitFor();
    // The refused login is the one request the browser reports; nothing else may.
    const refused = problems().filter((p) => /status of 401/.test(p));
    assert.equal(refused.length, 1, problems().join('\n'));
  });

  test("the apps page shows the app's production and its preview, with URL, release and health", async () => {
    const card = page.locator(`section[data-app="${app}"]`);
    const production = card.locator('tr[data-env="production"]');
    const preview = card.locator('tr[data-env="preview-feature-search"]');
    await production.waitFor();
    await preview.waitFor();
    assert.match(await production.innerText(), new RegExp(`${domain.replace(/\./g, '\\.')}:${httpPort}`));
    assert.match(await production.innerText(), /1\/1 running/);
    assert.match(await preview.innerText(), /feature-search/);
    await screenshotBoth(page, shots, 'apps');
    await open(`#/previews/${app}`);
    await page.locator('tr[data-env="preview-feature-search"]').waitFor();
    assert.match(await page.locator('tr[data-env="preview-feature-search"]').innerText(), /feature\/search/);
    await screenshotBoth(page, shots, 'previews');
  });

  test('a deploy started from the CLI appears in the open page, its log streams while it runs, and it turns green', async () => {
    await open(`#/apps/${app}/production`);
    const before = await page.locator('tr[data-pipeline]').count();
    commitVersion('v2');
    dir.git('tag', 'v2.0.0');
    const deploy = spawn(process.execPath, [cliEntry, 'deploy', dir.dir], { env: { ...process.env, ...env }, stdio: 'ignore' });
    const deployed = new Promise<number | null>((r) => deploy.once('exit', r));

    // The new pipeline appears without a reload (the live feed), running.
    const running = page.locator('tr[data-pipeline]').first().filter({ has: page.locator('[data-status="running"]') });
    await running.waitFor({ timeout: 60_000 });
    assert.ok((await page.locator('tr[data-pipeline]').count()) > before);
    await running.getByRole('link').click();
    await page.getByRole('heading', { name: /Pipeline/ }).waitFor();

    // Its log streams: the release command's first line is there while the pipeline still runs.
    const log = page.getByRole('log', { name: /log of pipeline/ });
    await log.filter({ hasText: 'migrating v2' }).waitFor({ timeout: 60_000 });
    assert.doesNotMatch(await log.innerText(), /migrated v2/, 'the first line came before the pipeline was over');
    assert.equal(await page.locator('h1 [data-status]').getAttribute('data-status'), 'running');
    assert.match(await page.locator('dl.facts').innerText(), /By\s+local/i, 'the CLI over the socket started it');
    await screenshotBoth(page, shots, 'pipeline-running');

    // …and the state turns green without a reload.
    await page.locator('h1 [data-status="succeeded"]').waitFor({ timeout: 90_000 });
    assert.match(await log.innerText(), /migrated v2/);
    assert.equal(await deployed, 0);
    assert.equal(await served(domain), 'v2\n');
    await screenshotBoth(page, shots, 'pipeline');
  });

  test('the environment page lists releases, deployments and the certificate state; rollback by the button serves v1 again', async () => {
    await open(`#/apps/${app}/production`);
    const releases = page.locator('tr[data-release]');
    await releases.nth(1).waitFor();
    assert.equal(await releases.count(), 2);
    assert.match(await releases.first().innerText(), /current/);
    const previous = releases.nth(1);
    const previousVersion = await previous.getAttribute('data-release');
    assert.ok(previousVersion);
    // Who put each release live: the CLI deploy over the socket (with its git tag), the git push before it.
    await releases.first().locator('[data-by]', { hasText: 'local' }).waitFor();
    assert.equal(await releases.first().locator('[data-by]').innerText(), 'local');
    assert.match(await releases.first().innerText(), /v2\.0\.0/);
    assert.equal(await previous.locator('[data-by]').innerText(), 'git push');
    assert.equal(await page.locator('[data-deployment]').first().locator('[data-by]').innerText(), 'local');
    await screenshotBoth(page, shots, 'environment');

    const rollbackButton = previous.getByRole('button', { name: /Roll back/ });
    await rollbackButton.click();
    const dialog = page.getByRole('dialog');
    await dialog.waitFor();
    // The dialog is modal and starts on Cancel: Enter alone never rolls back; Escape backs out.
    assert.equal(await page.evaluate(() => document.activeElement?.textContent?.trim()), 'Cancel');
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });
    await rollbackButton.focus();
    await page.keyboard.press('Enter');
    await dialog.waitFor();
    await screenshotBoth(page, shots, 'rollback-confirm');
    await dialog.getByRole('button', { name: /Roll back to/ }).click();

    await page.locator('[data-action-status="succeeded"]').waitFor({ timeout: 90_000 });
    assert.equal(await served(domain), 'v1\n', 'the previous release serves through the edge');
    // The page follows: the rolled-back release is current, the serving version is v1's.
    await page.locator(`tr[data-release="${previousVersion}"].current`).waitFor({ timeout: 15_000 });
    assert.equal(await page.getByTestId('serving-version').innerText(), previousVersion);
    // The rollback names the dashboard's user, on its deployment and on the release it put live.
    const rolledBack = page.locator('[data-deployment]').first();
    await rolledBack.locator('[data-by]', { hasText: `user ${user}` }).waitFor({ timeout: 15_000 });
    assert.match(await rolledBack.innerText(), /^rollback/i);
    assert.equal(await page.locator(`tr[data-release="${previousVersion}"] [data-by]`).innerText(), `user ${user}`);
    await screenshotBoth(page, shots, 'environment-rolled-back');
  });

  test("a backup taken before a deployment is listed and restored with its button", async () => {
    await open(`#/apps/${app}/production`);
    const backup = page.locator('tr[data-backup]').first();
    await backup.waitFor();
    const id = await backup.getAttribute('data-backup');
    await backup.getByRole('button', { name: /Restore/ }).click();
    await page.getByRole('dialog').getByRole('button', { name: `Restore ${id}` }).click();
    await page.locator('[data-action-status="succeeded"]').waitFor({ timeout: 90_000 });
    assert.match(await page.getByRole('log', { name: /Restore of/ }).innerText(), new RegExp(id!));
    assert.equal(await served(domain), 'v1\n', 'serving again after the restore');
    await screenshotBoth(page, shots, 'environment-restored');
  });

  test('settings: a token is made with its value shown once, works, and is revoked; a user is added and removed', async () => {
    await open('#/settings');
    const form = page.getByRole('form', { name: 'New token' });
    await form.getByLabel('Name').fill('from the dashboard');
    await form.getByLabel('Scope').selectOption('read');
    await form.getByLabel(/^App/).fill(app);
    await form.getByRole('button', { name: 'Create token' }).click();
    const value = await page.getByTestId('new-token').inputValue();
    const whoami = await fetch(`${base}v1/whoami`, { headers: { authorization: `Bearer ${value}` } });
    assert.equal(whoami.status, 200);
    assert.equal(((await whoami.json()) as { scope: string }).scope, 'read');
    const row = page.locator('tr[data-token]', { hasText: 'from the dashboard' });
    assert.match(await row.innerText(), new RegExp(`read[\\s\\S]*${app}`));
    await page.reload();
    await row.waitFor();
    assert.equal(await page.getByTestId('new-token').count(), 0, 'the value is shown once');
    await row.getByRole('button', { name: /Revoke/ }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Revoke token' }).click();
    await row.waitFor({ state: 'detached' });
    assert.equal((await fetch(`${base}v1/whoami`, { headers: { authorization: `Bearer ${value}` } })).status, 401);

    const users = page.getByRole('form', { name: 'Add a user' });
    await users.getByLabel('Name').fill('bob');
    await users.getByLabel(/^Password/).fill('another long password');
    await users.getByLabel('Scope').selectOption('read');
    await users.getByRole('button', { name: 'Add user' }).click();
    const bob = page.locator('tr[data-user="bob"]');
    await bob.waitFor();
    assert.match(await bob.innerText(), /read/);
    await bob.getByRole('button', { name: /Remove/ }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Remove user' }).click();
    await bob.waitFor({ state: 'detached' });
  });

  test('certificates and settings render; at 360 px no page is wider than the screen', async () => {
    await open('#/certs');
    await page.getByRole('heading', { name: 'Certificates', level: 1 }).waitFor();
    await screenshotBoth(page, shots, 'certificates');
    await open('#/settings');
    await page.locator(`tr[data-user="${user}"]`).waitFor();
    await page.locator('tr[data-token]').first().waitFor();
    await screenshotBoth(page, shots, 'settings');

    await page.setViewportSize(phone);
    for (const hash of ['#/', `#/apps/${app}/production`, `#/previews/${app}`, '#/certs', '#/settings']) {
      await open(hash);
      const width = await page.evaluate(() => document.documentElement.scrollWidth);
      assert.ok(width <= phone.width, `${hash} is ${width} px wide at 360 px`);
    }
    await page.setViewportSize(desktop);
  });

  test("a preview's remove button tears it down: its URL stops answering", async () => {
    await open(`#/previews/${app}`);
    const row = page.locator('tr[data-env="preview-feature-search"]');
    await row.getByRole('button', { name: 'Remove the preview of feature/search' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Remove preview' }).click();
    await row.waitFor({ state: 'detached', timeout: 60_000 });
    assert.equal((await getVia(httpPort, `feature-search.${domain}`)).status, 404);
    assert.equal(await served(domain), 'v1\n', 'production is untouched');
  });

  test('logging out shows the login form, and a reload keeps it', async () => {
    await open('#/');
    await page.getByRole('button', { name: 'Log out' }).click();
    await page.getByRole('button', { name: 'Log in' }).waitFor();
    await page.reload();
    await page.getByRole('button', { name: 'Log in' }).waitFor();
    const r = await fetch(`${base}v1/status`);
    assert.equal(r.status, 401, 'the API still needs a credential');
  });

  test('the page made no console errors or warnings and no request failed (but the refused login)', () => {
    assert.deepEqual(problems().filter((p) => !/status of 401/.test(p)), []);
    assert.equal(problems().length, 1, 'the refused login, once');
  });
});
