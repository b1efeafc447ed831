// The executable itself: help, JSON output, exit codes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { calma } from '../support/cli.js';
import { fixturesDir, repoRoot } from '../support/app-dir.js';

test('calma --help lists every command and the global flags', async () => {
  const r = await calma(['--help']);
  assert.equal(r.code, 0);
  for (const word of ['build [options] [dir]', 'config', '--json', '--verbose', '--version']) assert.ok(r.stdout.includes(word), `help mentions ${word}`);
});

test('each command has complete help', async () => {
  const build = await calma(['build', '--help']);
  assert.equal(build.code, 0);
  for (const word of ['--no-push', '--file', 'build-<n>', 'Exit codes', '--json', '--verbose']) assert.ok(build.stdout.includes(word), `build help mentions ${word}`);
  const check = await calma(['config', 'check', '--help']);
  assert.equal(check.code, 0);
  assert.match(check.stdout, /normalized\s+config with --json/);
});

test('an unknown command is refused with a non-zero exit', async () => {
  const r = await calma(['deploi']);
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /unknown command 'deploi'/);
});

test('config check --json prints the normalized config of the example', async () => {
  const r = await calma(['--json', 'config', 'check', join(repoRoot, 'examples', 'hello')]);
  assert.equal(r.code, 0, r.stderr);
  const config = JSON.parse(r.stdout) as { app: string; build: { test: { timeout: number } }; web: { healthcheck: { interval: number } } };
  assert.equal(config.app, 'hello');
  assert.equal(config.build.test.timeout, 120_000);
  assert.equal(config.web.healthcheck.interval, 1000);
});

test('config check prints every problem with its position and exits 1', async () => {
  const r = await calma(['config', 'check', join(fixturesDir, 'config'), '--file', 'broken.yml']);
  assert.equal(r.code, 1);
  const file = join(fixturesDir, 'config', 'broken.yml');
  assert.equal(
    r.stderr,
    [
      `${file}:1:6 app: expected an app name like "shop" (lowercase letters, digits, hyphens; at most 40), got "My App"`,
      `${file}:4:3 build.tset: unknown key "tset" (did you mean "test"?)`,
      `${file}:8:15 web.healthcheck.interval: expected a duration like 5s, got "fast"`,
      '',
    ].join('\n'),
  );
  const json = await calma(['--json', 'config', 'check', join(fixturesDir, 'config'), '--file', 'broken.yml']);
  assert.equal(json.code, 1);
  const body = JSON.parse(json.stderr) as { error: string; problems: Array<{ path: string; line: number; column: number }> };
  assert.equal(body.error, 'config');
  assert.deepEqual(body.problems.map((p) => [p.path, p.line, p.column]), [['app', 1, 6], ['build.tset', 4, 3], ['web.healthcheck.interval', 8, 15]]);
});
