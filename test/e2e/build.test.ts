// calma build against a real engine: the right stage ships, the test gate
// stops a red build, .dockerignore is honoured, the cache is used exactly.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { appFromFixture, commitAll, uniqueApp, type AppDir } from '../support/app-dir.js';
import { calma, calmaJson } from '../support/cli.js';
import { appTags, docker, removeAppImages, runInImage } from '../support/engine.js';
import type { BuildReport } from '../../src/build/report.js';
import { runBuild } from '../../src/build/run-build.js';
import { UserError } from '../../src/errors.js';
import { openDb } from '../../src/state/db.js';

describe('calma build', () => {
  const app = uniqueApp();
  let dir: AppDir;
  let report: BuildReport;
  before(async () => {
    dir = appFromFixture('multistage', app);
    commitAll(dir);
    report = await calmaJson<BuildReport>(['build', dir.dir]);
  });
  after(async () => {
    dir.cleanup();
    await removeAppImages(app);
  });

  test('ships the production stage, not the test stage', async () => {
    const image = await docker.getImage(`${app}:build-1`).inspect();
    assert.equal(image.Id, report.ship.imageId);
    assert.deepEqual(image.Config.Cmd, ['cat', '/app/bundle.txt']);
    assert.equal(await runInImage(image.Id, ['cat', '/app/bundle.txt']), 'library line one\nlibrary line two\nmain line\n');
    // build args reach the stage
    assert.equal(await runInImage(image.Id, ['cat', '/app/greeting.txt']), 'bonjour\n');
    // nothing of the test stage ships
    assert.equal(await runInImage(image.Id, ['sh', '-c', 'ls /context /src 2>&1; echo done']), 'ls: /context: No such file or directory\nls: /src: No such file or directory\ndone\n');
  });

  test('labels the image with app, commit and branch', async () => {
    const image = await docker.getImage(`${app}:build-1`).inspect();
    const sha = dir.git('rev-parse', 'HEAD');
    assert.equal(image.Config.Labels['calma.app'], app);
    assert.equal(image.Config.Labels['calma.commit'], sha);
    assert.equal(image.Config.Labels['calma.branch'], 'main');
  });

  test('ran the test stage and reports its size beside the shipped image', () => {
    assert.ok(report.test, 'the report has the test stage');
    assert.ok(report.test.size > 0 && report.ship.size > 0);
    assert.ok(report.ship.layers.some((l) => l.createdBy.includes('greeting.txt')));
    // The labelled image has no parent: the layers' origins come from its source's steps.
    assert.deepEqual([...new Set(report.ship.layers.map((l) => l.origin))].sort(), ['base', 'built']);
  });

  test('.dockerignore is honoured: ignored files never reach the engine', async () => {
    assert.ok(report.test);
    const listing = await runInImage(report.test.imageId, ['sh', '-c', 'cd /context && find . -type f | sort']);
    assert.deepEqual(listing.trim().split('\n'), ['./.dockerignore', './Dockerfile', './calma.yml', './lib/a.txt', './lib/b.txt', './main.txt', './tests/run.sh']);
  });

  test('a rebuild after a one-file change rebuilds only the layers after that file', async () => {
    // Unique to this run: the engine's layer cache outlives the test, and an earlier run's layer must not answer for this one.
    dir.write('main.txt', `main line, changed for ${app}\n`);
    dir.git('commit', '-q', '-am', 'change main.txt');
    const second = await calmaJson<BuildReport>(['build', dir.dir]);
    assert.ok(second.test);
    // calma's labels change with every commit: they are put on the built stage afterwards, never a step of the build, so every step can come from the cache.
    for (const image of [second.test, second.ship]) {
      assert.deepEqual(image.steps.filter((s) => s.instruction.startsWith('LABEL')), [], 'no LABEL step');
      const labelled = await docker.getImage(image.imageId).inspect();
      assert.equal(labelled.Config.Labels['calma.app'], app);
      const source = await docker.getImage(labelled.Config.Labels['calma.source']!).inspect();
      assert.deepEqual(labelled.RootFS.Layers, source.RootFS.Layers, 'the labels add no layer');
      // Tagged by the time the build returns: untagged, the next build's cache could be pruned away.
      assert.ok(source.RepoTags?.includes(`calma-source:${source.Id.slice('sha256:'.length)}`), JSON.stringify(source.RepoTags));
    }
    const cached = Object.fromEntries(second.test.steps.map((s) => [s.instruction, s.cached]));
    assert.deepEqual(cached, {
      'FROM calma/busybox:base AS build': false, // FROM is never reported as cached
      'WORKDIR /src': true,
      'COPY lib/ lib/': true,
      'RUN mkdir -p /out && cat lib/*.txt > /out/bundle.txt && echo "bundled $(wc -l < /out/bundle.txt) lines"': true,
      'COPY main.txt .': false,
      'RUN cat main.txt >> /out/bundle.txt': false,
      'FROM build AS test': false,
      'COPY . /context/': false,
      'COPY tests/ tests/': false,
      'CMD ["sh", "tests/run.sh"]': false,
    });
    assert.equal(await runInImage(second.ship.imageId, ['tail', '-n1', '/app/bundle.txt']), `main line, changed for ${app}\n`);
    const testImages = await docker.listImages({ filters: { label: [`calma.app=${app}`, 'calma.role=test'] } });
    assert.deepEqual(testImages.map((i) => i.Id), [second.test.imageId], 'only the newest test-stage image stays');
    assert.deepEqual(await appTags(app), ['build-1', 'build-2', dir.git('rev-parse', 'HEAD~1').slice(0, 12), dir.git('rev-parse', 'HEAD').slice(0, 12), 'main'].sort());
  });

  test('a branch name with quotes and $ reaches its label as written, never expanded', async () => {
    const branch = `q/$HOME"x'y`;
    dir.git('checkout', '-q', '-b', branch);
    dir.write('main.txt', `main line on ${branch} for ${app}\n`);
    dir.git('commit', '-q', '-am', 'on a branch with quotes');
    const third = await calmaJson<BuildReport>(['build', dir.dir]);
    const image = await docker.getImage(third.ship.imageId).inspect();
    assert.equal(image.Config.Labels['calma.branch'], branch);
    assert.equal(image.Config.Labels['calma.commit'], dir.git('rev-parse', 'HEAD'));
    assert.equal(image.Config.Labels['calma.role'], 'image');
  });
});

describe('calma build: the test gate', () => {
  test('a failing test stage stops the release: exit 1, its output shown, nothing tagged', async () => {
    const app = uniqueApp();
    const dir = appFromFixture('multistage', app);
    try {
      dir.write('tests/run.sh', 'echo "checking the bundle"\necho "expected 3 lines, got 2"\nexit 3\n');
      const r = await calma(['build', dir.dir]);
      assert.equal(r.code, 1);
      assert.match(r.stdout, /expected 3 lines, got 2/);
      assert.match(r.stderr, /^error: test stage failed with exit code 3; nothing was tagged$/m);
      assert.deepEqual(await appTags(app), []);
    } finally {
      dir.cleanup();
      await removeAppImages(app);
    }
  });

  test('a test stage over its timeout is stopped and fails the build', async () => {
    const app = uniqueApp();
    const dir = appFromFixture('multistage', app, 'app: APP\nbuild:\n  target: production\n  test:\n    target: test\n    command: ["sleep", "30"]\n    timeout: 1s\n');
    try {
      const started = Date.now();
      const r = await calma(['build', dir.dir]);
      assert.equal(r.code, 1);
      assert.match(r.stderr, /^error: test stage timed out after 1\.0s \(build\.test\.timeout\); nothing was tagged$/m);
      assert.ok(Date.now() - started < 25_000, 'the sleeping test was killed, not waited for');
      assert.deepEqual(await appTags(app), []);
    } finally {
      dir.cleanup();
      await removeAppImages(app);
    }
  });
});

describe('calma build: tagging', () => {
  test("a source tag the engine refuses fails the build with one line and leaves none of the release's tags", async () => {
    const app = uniqueApp();
    const dir = appFromFixture('multistage', app);
    // The engine refuses only the source's tag, and late: the release's own tags are set by then.
    const refused: string[] = [];
    const refusing = Object.create(docker, {
      getImage: {
        value: (name: string) => {
          const image = docker.getImage(name);
          const tag = image.tag.bind(image);
          return Object.assign(image, {
            tag: (o: { repo: string; tag: string }) =>
              o.repo === 'calma-source' ? (refused.push(name), new Promise((_, reject) => setTimeout(() => reject(new Error('no space left on device')), 500))) : tag(o),
          });
        },
      },
    }) as typeof docker;
    try {
      await assert.rejects(
        runBuild(dir.dir, { app, build: { context: '.', dockerfile: 'Dockerfile', target: 'production', args: {}, max_context: 100 * 1024 * 1024 } }, { docker: refusing, db: openDb(':memory:'), observer: { phase: () => undefined, event: () => undefined, line: () => undefined } }),
        (e: unknown) => e instanceof UserError && /^build failed: labelling the image: .*no space left on device/.test(e.message),
      );
      assert.deepEqual(await appTags(app), []);
    } finally {
      dir.cleanup();
      await removeAppImages(app);
      // The untagged source and its steps: left, they would be the next run's build cache.
      for (const id of refused) await docker.getImage(id).remove().catch(() => undefined);
    }
  });
});
