import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseStages, resolveTarget } from '../../src/build/dockerfile.js';
import { UserError } from '../../src/errors.js';

const text = 'FROM calma/busybox:base AS build\nRUN true\nFROM build AS Test\nFROM scratch\nCOPY --from=build /a /a\n';

test('stages are read with their names and bases', () => {
  assert.deepEqual(parseStages(text), [
    { index: 0, name: 'build', from: 'calma/busybox:base' },
    { index: 1, name: 'Test', from: 'build' },
    { index: 2, name: undefined, from: 'scratch' },
  ]);
});

test('the target defaults to the last stage and matches names case-insensitively', () => {
  const stages = parseStages(text);
  assert.equal(resolveTarget(stages, undefined, 'build.target').index, 2);
  assert.equal(resolveTarget(stages, 'test', 'build.test.target').index, 1);
});

test('an unknown target names the stages that exist', () => {
  assert.throws(
    () => resolveTarget(parseStages(text), 'production', 'build.target'),
    (e: unknown) => e instanceof UserError && e.message === 'build.target: unknown stage "production": the Dockerfile has build, Test',
  );
  assert.throws(() => resolveTarget(parseStages('FROM scratch\n'), 'x', 'build.target'), /the Dockerfile names no stages \(use FROM … AS name\)/);
});
