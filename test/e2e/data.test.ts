// Data that survives every release, through the real executable, daemon,
// engine and nginx: a service beside the app (a stand-in database built
// here), a backup before each deployment with verified checksums, the data
// put back when a release command changed it and the deployment failed, a
// failing dump that stops a deployment, restore, retention, a damaged backup.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { appendFileSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { pack } from 'tar-fs';
import { appFromFixture, commitAll, fixturesDir, uniqueApp, type AppDir } from '../support/app-dir.js';
import { calma } from '../support/cli.js';
import { docker, execIn } from '../support/engine.js';
import { getVia, removeApp } from '../support/deploy-env.js';
import { followEngineStream, streamError } from '../../src/docker/progress-stream.js';
import { tempHome } from '../support/server-helpers.js';
import { startAppDaemon, type RunningServer } from '../support/server-cli.js';

interface Backup {
  id: string;
  env: string;
  release: string;
  kind: string;
  bytes: number;
  path: string;
  verifiedAt: string | null;
}

describe('services, backups and restore', () => {
  const app = uniqueApp('data');
  const domain = `${app}.test`;
  const dbImage = `${app}-db:1`;
  const home = tempHome();
  const env = { CALMA_HOME: home.home };
  let httpPort = 0;
  let server: RunningServer;
  let dir: AppDir;
  const config = (version: string, o: { release?: string; dump?: string; keep?: number; schedule?: string; noServices?: boolean } = {}) =>
    [
      `app: ${app}`,
      'build:',
      '  args:',
      `    VERSION: ${version}`,
      'web:',
      '  port: 8080',
      '  healthcheck:',
      '    path: /cgi-bin/up',
      '    interval: 100ms',
      '    deadline: 4s',
      '  drain: 1s',
      `domains: [${domain}]`,
      'https: false',
      'volumes: ["files:/www/data"]',
      ...(o.release ? [`release: ${o.release}`] : []),
      'backup:',
      '  volumes: [files]',
      `  keep: ${o.keep ?? 10}`,
      ...(o.schedule ? [`  schedule: "${o.schedule}"`] : []),
      ...(o.noServices
        ? []
        : [
            'services:',
            '  db:',
            `    image: ${dbImage}`,
            '    port: 8080',
            '    volumes: ["db:/var/lib/db"]',
            '    backup:',
            `      dump: ${o.dump ?? '["cat", "/var/lib/db/lines.txt"]'}`,
            '      restore: ["sh", "-c", "cat > /var/lib/db/lines.txt"]',
          ]),
      '',
    ].join('\n');
  const deploy = async (version: string, o: Parameters<typeof config>[1] = {}) => {
    dir.write('calma.yml', config(version, o));
    dir.git('commit', '-q', '-am', `release ${version}`, '--allow-empty');
    return calma(['deploy', dir.dir], { env });
  };
  const get = async (path: string) => (await getVia(httpPort, domain, path)).body;
  const backups = async (): Promise<Backup[]> => JSON.parse((await calma(['--json', 'backups', app], { env })).stdout) as Backup[];

  before(async () => {
    const stream = await docker.buildImage(pack(join(fixturesDir, 'apps', 'withdb', 'db')) as unknown as NodeJS.ReadableStream, { t: dbImage, labels: { 'calma.app': app } });
    const failure = streamError(await followEngineStream(docker, stream, () => undefined));
    if (failure) throw new Error(failure);
    ({ server, httpPort } = await startAppDaemon(env));
    dir = appFromFixture('withdb/app', app, config('v1'));
    commitAll(dir);
  });
  after(async () => {
    await server.stop();
    dir.cleanup();
    home.cleanup();
    await removeApp(app);
    for (const v of ['files', 'db']) await docker.getVolume(`${app}_${v}`).remove().catch(() => undefined);
    await docker.getNetwork(`calma-${app}-production`).remove().catch(() => undefined);
  });

  test('the first deploy starts the service; the app reaches it by name and writes to it', async () => {
    const r = await calma(['deploy', dir.dir], { env });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /service db started/);
    assert.equal(await get('/cgi-bin/write?one'), 'ok\n');
    assert.equal(await get('/cgi-bin/read'), 'one\n');
    const services = await calma(['services', app], { env });
    assert.match(services.stdout, new RegExp(`^db +production +db:8080 +${dbImage} +running`, 'm'));
    const svc = (await docker.listContainers({ filters: { label: [`calma.app=${app}`, 'calma.role=service'] } }))[0]!;
    assert.deepEqual(Object.keys((await docker.getContainer(svc.Id).inspect()).Config.ExposedPorts ?? {}), ['8080/tcp']);
    assert.equal((await docker.getContainer(svc.Id).inspect()).HostConfig.PortBindings?.['8080/tcp'], undefined, 'never published on the host');
    assert.deepEqual(await backups(), [], 'nothing to back up before the first release');
  });

  test('services restart APP NAME, logs --service and exec --service act on the service container', async () => {
    const container = `calma-${app}-production-svc-db`;
    const startedAt = async () => (await docker.getContainer(container).inspect()).State.StartedAt;
    const before = await startedAt();
    const restarted = await calma(['services', 'restart', app, 'db'], { env });
    assert.equal(restarted.code, 0, restarted.stderr);
    assert.equal(restarted.stdout, `restarted db (${container}): running\n`);
    assert.notEqual(await startedAt(), before, 'a new start of the same container');
    assert.equal(await get('/cgi-bin/read'), 'one\n', 'its data kept');
    const logs = await calma(['logs', app, '--service', 'db', '-n', '10'], { env });
    assert.equal(logs.code, 0, logs.stderr);
    assert.deepEqual(logs.stdout.split('\n').filter((l) => l.includes('db ready')), [`${container} | db ready on 8080`, `${container} | db ready on 8080`], 'from its first start and its restart');
    const exec = await calma(['exec', app, '--service', 'db', '--', 'sh', '-c', 'cat /var/lib/db/lines.txt; exit 4'], { env });
    assert.equal(exec.code, 4);
    assert.equal(exec.stdout, 'one\n');
    for (const args of [['services', 'restart', app, 'cache'], ['logs', app, '--service', 'cache'], ['exec', app, '--service', 'cache', '--', 'true']]) {
      const r = await calma(args, { env });
      assert.equal(r.code, 1, args.join(' '));
      assert.equal(r.stderr, `error: ${app}/production has no service cache\n`, args.join(' '));
    }
  });

  test('a redeploy takes a backup first: the manifest checksums verify, the service keeps running untouched', async () => {
    const svc = (await docker.listContainers({ filters: { label: [`calma.app=${app}`, 'calma.role=service'] } }))[0]!;
    await execIn((await docker.listContainers({ filters: { label: [`calma.app=${app}`, 'calma.role=web'] } }))[0]!.Id, ['sh', '-c', 'echo kept > /www/data/note.txt']);
    await new Promise((r) => setTimeout(r, 300));
    const r = await deploy('v2');
    assert.equal(r.code, 0, r.stderr);
    assert.doesNotMatch(r.stdout, /service db (started|changed)/, 'an unchanged service is left alone');
    assert.equal((await docker.listContainers({ filters: { label: [`calma.app=${app}`, 'calma.role=service'] } }))[0]!.Id, svc.Id);
    const [b] = await backups();
    assert.ok(b, 'one backup');
    assert.equal(b.kind, 'deploy');
    assert.ok(b.path.startsWith(join(home.home, 'backups', app, 'production')));
    const manifest = JSON.parse(readFileSync(join(b.path, 'manifest.json'), 'utf8')) as { volumes: { file: string; sha256: string; bytes: number }[]; services: { file: string; sha256: string; bytes: number }[] };
    assert.equal(manifest.volumes.length, 1);
    assert.equal(manifest.services.length, 1);
    for (const f of [...manifest.volumes, ...manifest.services]) {
      const bytes: Buffer = readFileSync(join(b.path, f.file));
      assert.equal(createHash("sha256").update(bytes).digest("hex"), f.sha256, f.file);
      assert.equal(bytes.length, f.bytes);
    }
    assert.equal(readFileSync(join(b.path, 'services', 'db.dump'), 'utf8'), 'one\n');
    assert.equal(await get('/'), 'v2\n');
    assert.equal(await get('/data/note.txt'), 'kept\n');
  });

  test('a release command that changes the data and then fails: the old release serves, the data is exactly as before', async () => {
    await get('/cgi-bin/write?two');
    const before = await get('/cgi-bin/read');
    const r = await deploy('v3', { release: `["sh", "-c", "wget -qO- 'http://db:8080/cgi-bin/append?migrated' && exit 3"]` });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /release command exited with code 3/);
    assert.match(r.stdout, /service db restored from backup/);
    assert.equal(await get('/'), 'v2\n');
    assert.equal(await get('/cgi-bin/read'), before, 'byte for byte');
  });

  test('a failing dump stops the deployment before anything changes', async () => {
    const count = (await backups()).length;
    const r = await deploy('v4', { dump: '["sh", "-c", "echo no space >&2; exit 4"]' });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^error: backup failed: the dump of service db exited with code 4: no space\n$/);
    assert.equal(await get('/'), 'v2\n');
    assert.equal((await backups()).length, count, 'no half backup left');
  });

  test('restore puts a chosen backup back; a damaged one is refused before the app stops', async () => {
    const all = await backups();
    const first = all[all.length - 1]!;
    await get('/cgi-bin/write?three');
    const r = await calma(['restore', app, first.id], { env });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(await get('/cgi-bin/read'), 'one\n');
    assert.equal(await get('/data/note.txt'), 'kept\n');
    assert.equal(await get('/'), 'v2\n');
    appendFileSync(join(first.path, 'services', 'db.dump'), 'tampered\n');
    const bad = await calma(['restore', app, first.id], { env });
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, new RegExp(`^error: backup ${first.id} is damaged: services/db.dump does not match its checksum`));
    assert.equal(await get('/cgi-bin/read'), 'one\n', 'nothing was touched');
    assert.match((await calma(['backups', app], { env })).stdout, /DAMAGED/);
  });

  test('retention keeps exactly backup.keep snapshots per environment', async () => {
    assert.equal((await deploy('v5', { keep: 2 })).code, 0);
    for (let i = 0; i < 2; i++) assert.equal((await calma(['backup', app], { env })).code, 0);
    const left = await backups();
    assert.equal(left.length, 2);
    assert.deepEqual(readdirSync(join(home.home, 'backups', app, 'production')).sort(), left.map((b) => b.id).sort());
  });

  test('backup.schedule: the daemon takes backups on it, and stops when the schedule goes', async () => {
    assert.equal((await deploy('v6', { keep: 5, schedule: '* * * * * *' })).code, 0);
    let scheduled: Backup | undefined;
    for (const end = Date.now() + 8000; !scheduled && Date.now() < end; await new Promise((r) => setTimeout(r, 250))) {
      scheduled = (await backups()).find((b) => b.kind === 'scheduled');
    }
    assert.ok(scheduled, 'a scheduled backup within a few seconds');
    assert.match(scheduled.release, /^[0-9a-f]{12}/, 'the release serving when it was taken');
    assert.equal((await deploy('v7', { keep: 5 })).code, 0);
    await new Promise((r) => setTimeout(r, 1500));
    const count = (await backups()).filter((b) => b.kind === 'scheduled').length;
    await new Promise((r) => setTimeout(r, 2000));
    assert.equal((await backups()).filter((b) => b.kind === 'scheduled').length, count, 'no more scheduled backups');
  });

  test('rollback keeps today\'s data and names the backup it could restore; --with-data restores it', async () => {
    const taken = (await backups()).find((b) => b.kind === 'deploy')!; // the newest: taken before v7 went live
    const dataThen = readFileSync(join(taken.path, 'services', 'db.dump'), 'utf8');
    await get('/cgi-bin/write?after-v7');
    const plain = await calma(['rollback', app], { env });
    assert.equal(plain.code, 0, plain.stderr);
    assert.match(plain.stdout, new RegExp(`warning: .*backup ${taken.id}.*--with-data`));
    assert.equal(await get('/'), 'v6\n');
    assert.match(await get('/cgi-bin/read'), /after-v7\n$/, 'a plain rollback keeps the data');
    assert.equal((await deploy('v8', { keep: 5 })).code, 0);
    const before8 = (await backups()).find((b) => b.kind === 'deploy')!;
    await get('/cgi-bin/write?after-v8');
    const withData = await calma(['rollback', app, '--with-data'], { env });
    assert.equal(withData.code, 0, withData.stderr);
    assert.equal(await get('/'), 'v6\n');
    assert.equal(await get('/cgi-bin/read'), readFileSync(join(before8.path, 'services', 'db.dump'), 'utf8'), 'the data v8 found when it went live');
    assert.notEqual(dataThen, '');
  });

  test('a service dropped from calma.yml stays while a deployment fails, and goes only after the new release serves', async () => {
    const serviceIds = async () => (await docker.listContainers({ all: true, filters: { label: [`calma.app=${app}`, 'calma.role=service'] } })).map((c) => c.Id);
    const [svc] = await serviceIds();
    const data = await get('/cgi-bin/read');
    const failed = await deploy('v9', { keep: 5, noServices: true, release: '["sh", "-c", "exit 5"]' });
    assert.equal(failed.code, 1);
    assert.match(failed.stderr, /release command exited with code 5/);
    assert.doesNotMatch(failed.stdout, /service db is no longer in calma.yml/);
    assert.deepEqual(await serviceIds(), [svc], 'the old release keeps its service');
    assert.equal(await get('/'), 'v6\n');
    assert.equal(await get('/cgi-bin/read'), data, 'and still reaches it');
    const r = await deploy('v10', { keep: 5, noServices: true });
    assert.equal(r.code, 0, r.stderr);
    const switched = r.stdout.search(/edge now routes/);
    const removed = r.stdout.search(/service db is no longer in calma.yml: removed \(its volumes are kept\)/);
    assert.ok(switched >= 0 && removed > switched, `removed after the switch:\n${r.stdout}`);
    assert.deepEqual(await serviceIds(), []);
    assert.equal(await get('/'), 'v10\n');
    assert.ok(await docker.getVolume(`${app}_db`).inspect(), 'its data stays');
  });

  test('apps remove stops the app\'s scheduled backups', async () => {
    assert.equal((await deploy('v11', { keep: 50, noServices: true, schedule: '* * * * * *' })).code, 0);
    const scheduled = async () => (await backups()).filter((b) => b.kind === 'scheduled').length;
    const before = await scheduled();
    for (const end = Date.now() + 8000; (await scheduled()) === before && Date.now() < end; ) await new Promise((r) => setTimeout(r, 250));
    assert.ok((await scheduled()) > before, 'the schedule runs');
    const atRemoval = server.logs().length;
    const removed = await calma(['apps', 'remove', app], { env });
    assert.equal(removed.code, 0, removed.stderr);
    // Its job is gone: no backup is taken, and none is tried (and failed) every second.
    assert.match(server.logs().slice(atRemoval), /backup schedule removed/);
    await new Promise((r) => setTimeout(r, 1500)); // a backup that had already started may finish
    const count = await scheduled();
    const logged = server.logs().length;
    await new Promise((r) => setTimeout(r, 2500));
    assert.equal(await scheduled(), count, 'no scheduled backup of a removed app');
    assert.doesNotMatch(server.logs().slice(logged), /scheduled backup/, 'no scheduled backup tried');
  });
});
