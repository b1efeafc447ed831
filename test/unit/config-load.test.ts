import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { ConfigError, UserError } from '../../src/errors.js';
import { loadConfig, parseConfig } from '../../src/config/load.js';

const exampleText = readFileSync(new URL('../../../test/fixtures/config/example.yml', import.meta.url), 'utf8');

/** The formatted lines of the ConfigError that parsing `text` throws. */
function problems(text: string): string[] {
  try {
    parseConfig(text, 'calma.yml');
  } catch (e) {
    assert.ok(e instanceof ConfigError, `expected a ConfigError, got ${String(e)}`);
    return e.message.split('\n');
  }
  assert.fail('expected the configuration to be refused');
}

test('the reference example parses and is normalized', () => {
  const c = parseConfig(exampleText, 'calma.yml');
  assert.equal(c.app, 'shop');
  assert.equal(c.web.healthcheck.interval, 1000);
  assert.equal(c.web.healthcheck.deadline, 60_000);
  assert.equal(c.web.max_body, 104_857_600);
  assert.equal(c.build.test?.timeout, 600_000);
  assert.deepEqual(c.build.test?.command, ['sh', '-c', './run-tests.sh']);
  assert.equal(c.build.max_context, 1024 ** 3);
  assert.equal(c.registry?.image, 'team/shop');
  assert.deepEqual(c.volumes, [
    { type: 'volume', source: 'uploads', target: '/app/uploads', readOnly: false },
    { type: 'bind', source: './config', target: '/app/config', readOnly: true },
    { type: 'tmpfs', target: '/app/tmp', size: 64 * 1024 ** 2 },
  ]);
  assert.deepEqual(c.services.db?.volumes, [{ type: 'volume', source: 'db', target: '/var/lib/mysql', readOnly: false }]);
  assert.deepEqual(c.environments.staging, { branch: 'develop', domains: ['staging.shop.example.com'] });
  assert.equal(c.previews?.ttl, 7 * 86_400_000);
  assert.equal(c.previews?.data, 'copy');
});

test('a minimal file gets every default', () => {
  const c = parseConfig('app: shop\ndomains: [Shop.Example.com]\nenv: {PORT: 8080, DEBUG: false}\nregistry: {server: "localhost:5000"}\n', 'calma.yml');
  assert.deepEqual(c.build, { context: '.', dockerfile: 'Dockerfile', args: {}, max_context: 1024 ** 3 });
  assert.deepEqual(c.web, {
    port: 8080, replicas: 1, drain: 30_000, max_body: 100 * 1024 ** 2,
    healthcheck: { path: '/up', interval: 1000, timeout: 5000, deadline: 60_000 },
  });
  assert.deepEqual(c.env, { PORT: '8080', DEBUG: 'false' });
  assert.equal(c.registry?.image, 'shop');
  assert.deepEqual(c.environments, { production: { branch: 'main', domains: ['shop.example.com'] } });
  assert.equal(c.https, true);
  assert.equal(c.hsts, false);
  assert.deepEqual(c.backup, { volumes: [], keep: 10 });
  assert.equal(c.keep, 5);
  assert.equal(c.previews, undefined);
});

const cases: [string, string, string[]][] = [
  ['bad duration', 'app: shop\nweb:\n  healthcheck:\n    interval: fast\n',
    ['calma.yml:4:15 web.healthcheck.interval: expected a duration like 5s, got "fast"']],
  ['wrong type', 'app: shop\nweb:\n  port: abc\n', ['calma.yml:3:9 web.port: expected a number, got "abc"']],
  ['unknown key with a suggestion', 'app: shop\nweb:\n  helthcheck: {}\n',
    ['calma.yml:3:3 web.helthcheck: unknown key "helthcheck" (did you mean "healthcheck"?)']],
  ['unknown key without a suggestion', 'app: shop\ncolour: red\n', ['calma.yml:2:1 colour: unknown key "colour"']],
  ['missing app', 'web:\n  port: 80\n', ['calma.yml:1:1 app: missing required key "app"']],
  ['bad enum', 'app: shop\npreviews:\n  branches: ["feature/*"]\n  domain: "{branch}.example.com"\n  data: all\n',
    ['calma.yml:5:9 previews.data: expected one of copy, empty, got "all"']],
  ['bad app name', 'app: My App\n',
    ['calma.yml:1:6 app: expected an app name like "shop" (lowercase letters, digits, hyphens; at most 40), got "My App"']],
  ['bad host name', 'app: shop\ndomains:\n  - shop.example.com\n  - bad_host!\n',
    ['calma.yml:4:5 domains[1]: expected a host name like shop.example.com, got "bad_host!"']],
  ['shell-string command', 'app: shop\nweb:\n  command: ./app serve\n',
    ['calma.yml:3:12 web.command: expected a list of arguments like ["./app", "serve"], got "./app serve"']],
  ['bad size', 'app: shop\nweb:\n  max_body: huge\n', ['calma.yml:3:13 web.max_body: expected a size like 100m, got "huge"']],
  ['YAML syntax errors, all of them', 'app: shop\napp: x\nweb: [1\n', [
    'calma.yml:2:1 invalid YAML: map keys must be unique',
    'calma.yml:4:1 invalid YAML: flow sequence in block collection must be sufficiently indented and end with a ]',
  ]],
  ['an alias without its anchor', 'app: *name\n',
    ['calma.yml:1:1 invalid YAML: unresolved alias (the anchor must be set before the alias): name']],
  ['empty file', '', ['calma.yml:1:1 expected a mapping, got an empty file']],
  ['only comments', '# nothing yet\n', ['calma.yml:1:1 expected a mapping, got an empty file']],
  ['not a mapping', '- a\n- b\n', ['calma.yml:1:1 expected a mapping, got a list']],
  ['an empty value', 'app: shop\nweb:\n', ['calma.yml:2:1 web: expected a mapping, got nothing']],
  ['several errors at once, sorted', 'build: {tset: {}}\nweb:\n  drain: soon\n  port: 0\nhttps: yes\napp: Shop\nextra: 1\n', [
    'calma.yml:1:9 build.tset: unknown key "tset" (did you mean "test"?)',
    'calma.yml:3:10 web.drain: expected a duration like 5s, got "soon"',
    'calma.yml:4:9 web.port: expected a number at least 1, got 0',
    'calma.yml:5:8 https: expected true or false, got "yes"',
    'calma.yml:6:6 app: expected an app name like "shop" (lowercase letters, digits, hyphens; at most 40), got "Shop"',
    'calma.yml:7:1 extra: unknown key "extra"',
  ]],
  ['volumes, short and long forms', 'app: shop\nvolumes:\n  - uploads\n  - type: tmpfs\n    target: /tmp\n    source: x\n  - {type: volume, target: /d}\n  - {type: bind, source: ./a, target: /a, size: 1m}\n', [
    'calma.yml:3:5 volumes[0]: expected a volume like "uploads:/app/uploads" or "./config:/app/config:ro", got "uploads"',
    'calma.yml:6:13 volumes[1].source: key "source" does not apply to tmpfs volumes',
    'calma.yml:7:5 volumes[2].source: missing required key "source"',
    'calma.yml:8:49 volumes[3].size: key "size" applies only to tmpfs volumes',
  ]],
  ['names as keys and env values', 'app: shop\nenv:\n  bad-key: 1\n  GOOD: {a: 1}\nservices:\n  Db: {image: redis}\n', [
    'calma.yml:3:3 env.bad-key: expected a variable name like LOG_LEVEL, got "bad-key"',
    'calma.yml:4:9 env.GOOD: expected a string, number or boolean, got a mapping',
    'calma.yml:6:3 services.Db: expected a name like "staging" (lowercase letters, digits, hyphens; at most 63), got "Db"',
  ]],
  ['backups of undeclared volumes', 'app: shop\nvolumes: [uploads:/u]\nbackup:\n  volumes: [uploads, db]\n',
    ['calma.yml:4:22 backup.volumes[1]: expected a named volume declared in volumes or services (uploads), got "db"']],
  ['keep out of range', 'app: shop\nkeep: 0\n', ['calma.yml:2:7 keep: expected a number at least 1, got 0']],
  ['keep over 100', 'app: shop\nkeep: 101\n', ['calma.yml:2:7 keep: expected a number at most 100, got 101']],
  ['keep not whole', 'app: shop\nkeep: 2.5\n', ['calma.yml:2:7 keep: expected a whole number, got 2.5']],
  ['a service port out of range', 'app: shop\nservices:\n  db:\n    image: postgres:16\n    port: 70000\n',
    ['calma.yml:5:11 services.db.port: expected a number at most 65535, got 70000']],
  ['a service port that is not a number', 'app: shop\nservices:\n  db: {image: redis, port: "6379/tcp"}\n',
    ['calma.yml:3:28 services.db.port: expected a number, got "6379/tcp"']],
  ['two registry passwords', 'app: shop\nregistry:\n  server: r.example.com\n  username: u\n  password_env: P\n  password_file: /p\n',
    ['calma.yml:6:18 registry.password_file: set only one of password_env and password_file']],
  ['a backup schedule with too few fields', 'app: shop\nbackup:\n  schedule: "0 3 * *"\n',
    ['calma.yml:3:13 backup.schedule: expected a cron schedule like "0 3 * * *", got "0 3 * *" (it needs 5 fields, minute hour day month weekday, or 6 with seconds first)']],
  ['a backup schedule out of range', 'app: shop\nbackup:\n  schedule: "0 25 * * *"\n',
    ['calma.yml:3:13 backup.schedule: expected a cron schedule like "0 3 * * *", got "0 25 * * *" (invalid value for hour: 25)']],
  ['a backup schedule that never comes', 'app: shop\nbackup:\n  schedule: "0 0 30 2 *"\n',
    ['calma.yml:3:13 backup.schedule: expected a cron schedule like "0 3 * * *", got "0 0 30 2 *" (it never runs: no such date)']],
  ['a backup schedule with an unknown nickname', 'app: shop\nbackup:\n  schedule: "@reboot"\n',
    ['calma.yml:3:13 backup.schedule: expected a cron schedule like "0 3 * * *", got "@reboot" (the nicknames are @yearly, @monthly, @weekly, @daily and @hourly)']],
  ['a backup schedule that is not a string', 'app: shop\nbackup: {schedule: 3}\n',
    ['calma.yml:2:20 backup.schedule: expected a cron schedule like "0 3 * * *", got 3']],
  ['a preview domain without {branch}', 'app: shop\npreviews:\n  branches: [x]\n  domain: p.example.com\n',
    ['calma.yml:4:11 previews.domain: expected a host name containing {branch} like {branch}.preview.example.com, got "p.example.com"']],
];

test('keep: releases kept per environment for rollback', () => {
  assert.equal(parseConfig('app: shop\nkeep: 12\n', 'calma.yml').keep, 12);
});

test('a service port is the container port it listens on; none by default', () => {
  const c = parseConfig('app: shop\nservices:\n  db: {image: postgres:16, port: 5432}\n  cache: {image: redis}\n', 'calma.yml');
  assert.equal(c.services.db?.port, 5432);
  assert.equal(c.services.cache?.port, undefined);
});

test('a backup schedule is kept as written: 5 fields, 6 with seconds, or a nickname', () => {
  for (const schedule of ['30 2 * * 1-5', '0 */15 * * * *', '@daily']) {
    assert.equal(parseConfig(`app: shop\nbackup:\n  schedule: "${schedule}"\n`, 'calma.yml').backup.schedule, schedule);
  }
});

for (const [name, text, expected] of cases) {
  test(`refused: ${name}`, () => assert.deepEqual(problems(text), expected));
}

test('loadConfig reads <dir>/calma.yml and names it as the user gave the directory', () => {
  const dir = mkdtempSync(join(tmpdir(), 'calma-config-'));
  try {
    writeFileSync(join(dir, 'calma.yml'), 'app: shop\n');
    const rel = relative(process.cwd(), dir);
    const loaded = loadConfig(rel);
    assert.deepEqual({ file: loaded.file, dir: loaded.dir, app: loaded.config.app }, { file: join(rel, 'calma.yml'), dir: rel, app: 'shop' });
    writeFileSync(join(dir, 'other.yml'), 'app: 1\n');
    assert.throws(() => loadConfig(dir, 'other.yml'), (e: unknown) =>
      e instanceof ConfigError && e.problems[0]?.file === join(dir, 'other.yml'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a missing calma.yml is one clear line', () => {
  const dir = mkdtempSync(join(tmpdir(), 'calma-config-'));
  try {
    assert.throws(() => loadConfig(dir), (e: unknown) =>
      e instanceof UserError && !(e instanceof ConfigError) && e.message === `no calma.yml in ${dir}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
