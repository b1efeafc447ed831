// Tags are exact, dirty trees never borrow a commit's name, and pushed images
// come back from the registry by digest.
import { after, describe, test } from 'node:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import { appFromFixture, commitAll, uniqueApp } from '../support/app-dir.js';
import { calma, calmaJson } from '../support/cli.js';
import { appTags, docker, removeAppImages, testRegistry } from '../support/engine.js';
import type { BuildReport } from '../../src/build/report.js';
import { startAuthRegistry } from '../support/auth-registry.js';

const noTest = 'app: APP\nbuild:\n  target: production\n';

describe('tags', () => {
  const apps: string[] = [];
  after(async () => {
    for (const a of apps) await removeAppImages(a);
  });

  test('a clean commit with a semver tag gets sha, branch, build number and version', async () => {
    const app = uniqueApp();
    apps.push(app);
    const dir = appFromFixture('multistage', app, noTest);
    const sha = commitAll(dir);
    dir.git('tag', 'v1.4.2');
    dir.git('tag', 'not-a-version');
    const r = await calmaJson<BuildReport>(['build', dir.dir]);
    assert.deepEqual(r.tags, [sha.slice(0, 12), 'main', 'build-1', 'v1.4.2']);
    assert.deepEqual(await appTags(app), ['build-1', 'main', sha.slice(0, 12), 'v1.4.2'].sort());
    dir.cleanup();
  });

  test('uncommitted changes give a content-hash version marked -dirty, and no branch tag', async () => {
    const app = uniqueApp();
    apps.push(app);
    const dir = appFromFixture('multistage', app, noTest);
    const sha = commitAll(dir);
    dir.write('main.txt', 'not committed\n');
    const r = await calmaJson<BuildReport>(['build', dir.dir]);
    assert.match(r.version, /^[0-9a-f]{12}-dirty$/);
    assert.notEqual(r.version.slice(0, 12), sha.slice(0, 12));
    assert.deepEqual(r.tags, [r.version, 'build-1']);
    const labels = (await docker.getImage(`${app}:build-1`).inspect()).Config.Labels;
    assert.equal(labels['calma.commit'], r.version);
    // the same content builds to the same version
    const again = await calmaJson<BuildReport>(['build', dir.dir]);
    assert.equal(again.version, r.version);
    assert.deepEqual(again.tags, [r.version, 'build-2']);
    dir.cleanup();
  });

  test('build numbers never repeat: not with a lost database, nor with one that fell behind the engine', async () => {
    const app = uniqueApp();
    apps.push(app);
    const dir = appFromFixture('multistage', app, noTest);
    const build = async (env?: NodeJS.ProcessEnv): Promise<string | undefined> => {
      dir.write('main.txt', `build ${Math.random()}\n`);
      return (await calmaJson<BuildReport>(['build', dir.dir], env ? { env } : {})).tags.find((t) => t.startsWith('build-'));
    };
    assert.equal(await build(), 'build-1');
    assert.equal(await build(), 'build-2');
    // Another (or a lost) database: the engine's tags say where numbering stands.
    const other = mkdtempSync(join(tmpdir(), 'calma-home-'));
    try {
      assert.equal(await build({ ...process.env, CALMA_HOME: other }), 'build-3');
    } finally {
      rmSync(other, { recursive: true, force: true });
    }
    // This database's counter (2) is now behind the engine: its next tag is taken, so it reads them all.
    assert.equal(await build(), 'build-4');
    assert.deepEqual((await appTags(app)).filter((t) => t.startsWith('build-')), ['build-1', 'build-2', 'build-3', 'build-4']);
    dir.cleanup();
  });

  test('outside git the version is a content hash marked -dirty', async () => {
    const app = uniqueApp();
    apps.push(app);
    const dir = appFromFixture('multistage', app, noTest);
    const r = await calmaJson<BuildReport>(['build', dir.dir]);
    assert.match(r.version, /^[0-9a-f]{12}-dirty$/);
    assert.deepEqual(r.tags, [r.version, 'build-1']);
    dir.cleanup();
  });
});

describe('registry', () => {
  test('every tag is pushed, and the image can be pulled back by digest', async () => {
    const app = uniqueApp();
    const registry = testRegistry();
    const repo = `${registry}/calma-e2e/${app}`;
    const dir = appFromFixture('multistage', app, `${noTest}registry:\n  server: ${registry}\n  image: calma-e2e/${app}\n`);
    try {
      const sha = commitAll(dir);
      const r = await calmaJson<BuildReport>(['build', dir.dir]);
      assert.match(r.digest ?? '', /^sha256:[0-9a-f]{64}$/);
      const tagsRes = await fetch(`http://${registry}/v2/calma-e2e/${app}/tags/list`);
      const listed = ((await tagsRes.json()) as { tags: string[] }).tags.sort();
      assert.deepEqual(listed, ['build-1', 'main', sha.slice(0, 12)].sort());

      // Drop every local name of the image, then pull it back by digest alone.
      for (const t of r.tags) {
        await docker.getImage(`${repo}:${t}`).remove();
        await docker.getImage(`${app}:${t}`).remove();
      }
      await new Promise<void>((resolve, reject) => {
        docker.pull(`${repo}@${r.digest}`, (err: Error | null, stream: NodeJS.ReadableStream) => {
          if (err) return reject(err);
          docker.modem.followProgress(stream, (e: Error | null) => (e ? reject(e) : resolve()));
        });
      });
      const pulled = await docker.getImage(`${repo}@${r.digest}`).inspect();
      assert.equal(pulled.Id, r.ship.imageId);
      assert.equal(pulled.Config.Labels['calma.app'], app);
    } finally {
      dir.cleanup();
      await removeAppImages(app);
    }
  });

  test('an unreachable registry is one clear line, exit 1, nothing built or tagged', async () => {
    const app = uniqueApp();
    const dir = appFromFixture('multistage', app, `${noTest}registry:\n  server: 127.0.0.1:5999\n`);
    try {
      const r = await calma(['build', dir.dir]);
      assert.equal(r.code, 1);
      assert.equal(r.stderr, 'error: registry 127.0.0.1:5999 is unreachable (ECONNREFUSED)\n');
      assert.deepEqual(await appTags(app), []);
    } finally {
      dir.cleanup();
      await removeAppImages(app);
    }
  });

  test('a password variable that is not set is refused before building', async () => {
    const app = uniqueApp();
    const dir = appFromFixture('multistage', app, `${noTest}registry:\n  server: ${testRegistry()}\n  username: deploy\n  password_env: CALMA_E2E_UNSET_PASSWORD\n`);
    try {
      const r = await calma(['build', dir.dir]);
      assert.equal(r.code, 1);
      assert.equal(r.stderr, 'error: registry.password_env: the variable CALMA_E2E_UNSET_PASSWORD is not set\n');
    } finally {
      dir.cleanup();
    }
  });

  test('credentials: refused ones are one clear line and nothing is tagged; accepted ones push', async () => {
    const registry = await startAuthRegistry('deploy', 's3cret');
    const app = uniqueApp();
    const dir = appFromFixture('multistage', app, `${noTest}registry:\n  server: ${registry.server}\n  username: deploy\n  password_env: CALMA_E2E_PASSWORD\n`);
    try {
      const refused = await calma(['build', dir.dir], { env: { CALMA_E2E_PASSWORD: 'wrong' } });
      assert.equal(refused.code, 1);
      assert.match(refused.stderr, new RegExp(`^error: registry ${registry.server} refused the credentials of deploy: .*401 Unauthorized\\n$`));
      assert.deepEqual(await appTags(app), []);

      const accepted = await calmaJson<BuildReport>(['build', dir.dir], { env: { CALMA_E2E_PASSWORD: 's3cret' } });
      assert.match(accepted.digest ?? '', /^sha256:/);
      const list = await fetch(`http://${registry.server}/v2/${app}/tags/list`, { headers: { authorization: `Basic ${Buffer.from('deploy:s3cret').toString('base64')}` } });
      assert.deepEqual(((await list.json()) as { tags: string[] }).tags.sort(), accepted.tags.slice().sort());
    } finally {
      dir.cleanup();
      await removeAppImages(app);
      await registry.stop();
    }
  });
});
