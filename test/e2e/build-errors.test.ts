// Every build error a user can cause: one clear line, exit 1, nothing tagged.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { appFromFixture, uniqueApp, type AppDir } from '../support/app-dir.js';
import { calma } from '../support/cli.js';
import { appTags, removeAppImages } from '../support/engine.js';

async function expectFailure(setup: (dir: AppDir) => void, config: string, stderr: RegExp): Promise<string> {
  const app = uniqueApp();
  const dir = appFromFixture('multistage', app, config);
  try {
    setup(dir);
    const r = await calma(['build', dir.dir]);
    assert.equal(r.code, 1, `exit code (stderr: ${r.stderr})`);
    assert.match(r.stderr, stderr);
    assert.deepEqual(await appTags(app), [], 'nothing was tagged');
    return r.stderr;
  } finally {
    dir.cleanup();
    await removeAppImages(app);
  }
}

const base = 'app: APP\nbuild:\n  target: production\n';

describe('calma build: errors a user can cause', () => {
  test('no Dockerfile', async () => {
    await expectFailure((d) => unlinkSync(join(d.dir, 'Dockerfile')), base, /^error: no Dockerfile at .*\/Dockerfile \(build\.dockerfile is "Dockerfile"\)\n$/);
  });

  test('unknown target stage names the stages that exist', async () => {
    const err = await expectFailure(() => undefined, 'app: APP\nbuild:\n  target: prod\n', /^error: build\.target: unknown stage "prod": the Dockerfile has build, test, production\n$/);
    assert.equal(err.split('\n').length, 2);
  });

  test('a failing RUN shows its step and its last output lines', async () => {
    await expectFailure(
      (d) => d.write('Dockerfile', 'FROM calma/busybox:base AS production\nRUN echo one\nRUN echo "compiling" && echo "error: missing semicolon" && exit 2\n'),
      base,
      /^error: build failed at step 3\/\d+ \(RUN echo "compiling" && echo "error: missing semicolon" && exit 2\): The command .* returned a non-zero code: 2\n  \| compiling\n  \| error: missing semicolon\n$/,
    );
  });

  test('an empty context', async () => {
    await expectFailure((d) => d.write('.dockerignore', '*\n'), base, /^error: build context .* is empty: nothing but the Dockerfile would be sent \(check \.dockerignore\)\n$/);
  });

  test('a context over the size limit', async () => {
    await expectFailure((d) => d.write('big.bin', 'x'.repeat(4096)), `${base}  max_context: 2k\n`, /^error: build context .* is over the limit of 2\.0 KiB \(build\.max_context\); add large files to \.dockerignore\n$/);
  });

  test('a bad calma.yml is reported with file, key path and line:column', async () => {
    await expectFailure(() => undefined, 'app: APP\nbuild:\n  test:\n    target: test\n    timeout: soon\n', /^\/.*\/calma\.yml:5:14 build\.test\.timeout: expected a duration like 5s, got "soon"\n$/);
  });

  test('a directory without calma.yml', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'calma-empty-'));
    try {
      writeFileSync(join(empty, 'README'), 'nothing here\n');
      const r = await calma(['build', empty]);
      assert.equal(r.code, 1);
      assert.match(r.stderr, /^error: no calma\.yml in .*\n$/);
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });
});
