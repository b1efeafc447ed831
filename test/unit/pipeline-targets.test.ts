import { nextSweepMs } from '../../src/pipeline/expire.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseConfig } from '../../src/config/load.js';
import { configFor, previewLabel, targetsFor } from '../../src/pipeline/targets.js';
import { checkBranch } from '../../src/config/names.js';
import { hookLine, refusals, parseUpdates } from '../../src/git/hook-main.js';
import { parseCgiHead, isBackendPath } from '../../src/git/http-backend.js';
import { redact } from '../../src/pipeline/log.js';
import { volumeName, isEnvVolume, isAppVolume } from '../../src/runtime/names.js';
import { hookScript } from '../../src/git/repos.js';

const yml = `app: shop
domains: [shop.example.com]
environments:
  production: { branch: main, domains: [shop.example.com] }
  staging: { branch: develop, domains: [staging.shop.example.com] }
previews:
  branches: ["feature/*", "fix/*"]
  domain: "{branch}.preview.shop.example.com"
`;

const none = () => undefined;

test('a branch maps to its environments, or to a preview when it matches, or nowhere', () => {
  const config = parseConfig(yml, 'calma.yml');
  const label = (b: string) => previewLabel(b, none);
  assert.deepEqual(targetsFor(config, 'main', label), [{ env: 'production', domains: ['shop.example.com'] }]);
  assert.deepEqual(targetsFor(config, 'develop', label), [{ env: 'staging', domains: ['staging.shop.example.com'] }]);
  assert.deepEqual(targetsFor(config, 'feature/Login_Page', label), [
    { env: 'preview-feature-login-page', domains: ['feature-login-page.preview.shop.example.com'], preview: { branch: 'feature/Login_Page', label: 'feature-login-page' } },
  ]);
  assert.deepEqual(targetsFor(config, 'experiment', label), []);
  // A pull request's branch gets a preview even when it matches no pattern.
  assert.equal(targetsFor(config, 'experiment', label, true)[0]?.env, 'preview-experiment');
  const preview = targetsFor(config, 'fix/x', label)[0]!;
  assert.deepEqual(configFor(config, preview).environments['preview-fix-x'], { branch: 'fix/x', domains: ['fix-x.preview.shop.example.com'] });
});

test('preview labels are safe DNS labels: shortened or colliding names get a short hash', () => {
  assert.equal(previewLabel('feature/ÜBER;$(id)`x`', none), 'feature-uber-id-x');
  const long = previewLabel(`feature/${'a'.repeat(300)}`, none);
  assert.ok(long.length <= 55 && /^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/.test(long), long);
  assert.match(long, /-[0-9a-f]{6}$/);
  // feature/a-b and feature/A_B both slug to feature-a-b: the second one gets a hash.
  const taken = (l: string) => (l === 'feature-a-b' ? 'feature/a-b' : undefined);
  assert.equal(previewLabel('feature/a-b', taken), 'feature-a-b');
  assert.match(previewLabel('feature/A_B', taken), /^feature-a-b-[0-9a-f]{6}$/);
  assert.match(previewLabel('!!!', none), /^[0-9a-f]{8}$/);
});

test('branch names git would refuse are refused with one line; hook refusals name them', () => {
  assert.equal(checkBranch('feature/x'), 'feature/x');
  assert.throws(() => checkBranch('a..b'), /not a valid git branch name/);
  assert.throws(() => checkBranch(`f/${'x'.repeat(300)}`), /\(302 characters\): refused/);
  const updates = parseUpdates(`${'0'.repeat(40)} ${'a'.repeat(40)} refs/heads/ok\n${'0'.repeat(40)} ${'a'.repeat(40)} refs/heads/bad..name\n${'0'.repeat(40)} ${'a'.repeat(40)} refs/tags/v1\n`);
  assert.equal(updates.length, 3);
  assert.deepEqual(refusals(updates).length, 1);
});

test("the post-receive hook prints the daemon's stream as the pusher's remote lines", () => {
  assert.equal(hookLine({ type: 'phase', name: 'build', detail: 'stage production' }), '==> build: stage production');
  assert.equal(hookLine({ type: 'log', line: 'step 1/3 FROM x' }), 'step 1/3 FROM x');
  assert.equal(hookLine({ type: 'pipeline', id: 'p1', env: 'production', status: 'superseded', detail: 'by p3' }), 'pipeline p1 (production): superseded — by p3');
  assert.equal(hookLine({ type: 'result', deploymentId: 'd1', image: 'web:abc', version: 'abc', urls: ['http://web.localhost'] }), 'deployed web:abc (d1): http://web.localhost');
  assert.equal(hookLine({ type: 'end' }), undefined);
  assert.equal(hookLine({ error: { kind: 'forbidden', message: 'this token is for another app' } }), 'calma: this token is for another app');
  assert.equal(hookLine(undefined), undefined);
  assert.equal(hookLine('text'), undefined);
});

test('git http-backend: CGI heads and the paths passed on', () => {
  assert.deepEqual(parseCgiHead('Status: 404 Not Found\r\nContent-Type: text/plain\r\nExpires: Fri, 01 Jan 1980 00:00:00 GMT'), {
    status: 404,
    headers: { 'content-type': 'text/plain', expires: 'Fri, 01 Jan 1980 00:00:00 GMT' },
  });
  assert.equal(parseCgiHead('Content-Type: application/x-git-receive-pack-result').status, 200);
  for (const ok of ['info/refs', 'git-receive-pack', 'git-upload-pack', 'HEAD']) assert.ok(isBackendPath(ok), ok);
  for (const bad of ['config', '../x', 'hooks/post-receive', 'objects/../../config']) assert.ok(!isBackendPath(bad), bad);
  assert.equal(hookScript('post-receive', '/usr/bin/node', 'file:///opt/calma/hook-main.js'), '#!/usr/bin/node\n// Written by calma: rewritten on every daemon start.\nimport("file:///opt/calma/hook-main.js").then((m) => m.runHook("post-receive"));\n');
});

test('secrets are blanked in pipeline logs; volumes are per environment', () => {
  assert.equal(redact('password=hunter22 and hunter22', ['hunter22', 'x']), 'password=*** and ***');
  assert.equal(volumeName('shop', 'production', 'db'), 'shop_db');
  assert.equal(volumeName('shop', 'preview-x', 'db'), 'shop.preview-x_db');
  assert.ok(isEnvVolume('shop', 'preview-x', 'shop.preview-x_db'));
  assert.ok(!isEnvVolume('shop', 'production', 'shop.preview-x_db'));
  assert.ok(!isEnvVolume('shop', 'preview-x', 'shop.preview-xy_db'));
  assert.ok(isAppVolume('shop', 'shop.staging_db') && !isAppVolume('shop', 'shopping_db'));
});

test('previews are looked at once a minute, or at half the shortest ttl, never more than 4 times a second', () => {
  assert.equal(nextSweepMs([]), 60_000);
  assert.equal(nextSweepMs([7 * 24 * 3600_000]), 60_000);
  assert.equal(nextSweepMs([20_000, 3_600_000]), 10_000);
  assert.equal(nextSweepMs([100]), 250);
});

test('a pull request only ever gets a preview, even when its head branch is a mapped one (a fork\'s main)', () => {
  const config = parseConfig('app: shop\nenvironments:\n  production: { branch: main, domains: [shop.test] }\npreviews:\n  branches: ["feature/*"]\n  domain: "{branch}.shop.test"\n', 'calma.yml');
  const label = (b: string) => b.replace(/[^a-z0-9]+/g, '-');
  assert.deepEqual(targetsFor(config, 'main', label, true), []);
  assert.deepEqual(targetsFor(config, 'main', label, false).map((t) => t.env), ['production']);
  assert.deepEqual(targetsFor(config, 'fix-typo', label, true).map((t) => t.env), ['preview-fix-typo']);
});
