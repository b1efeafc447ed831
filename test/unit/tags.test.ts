import { test } from 'node:test';
import assert from 'node:assert/strict';
import { branchTag, computeTags, computeVersion, highestBuildNumber } from '../../src/build/tags.js';
import type { GitInfo } from '../../src/build/git.js';

const sha = '3f2a1b4c5d6e7f8091a2b3c4d5e6f708192a3b4c';
const hash = 'aa11bb22cc33dd44ee55ff66aa77bb88cc99dd00ee11ff22aa33bb44cc55dd66';
const clean: GitInfo = { sha, branch: 'main', tags: [], dirty: false };

test('a clean commit: sha12, branch, build number', () => {
  const v = computeVersion(clean, hash);
  assert.deepEqual(v, { id: '3f2a1b4c5d6e', commit: sha, branch: 'main', dirty: false, semver: [] });
  assert.deepEqual(computeTags(v, 7), ['3f2a1b4c5d6e', 'main', 'build-7']);
});

test('semver git tags become vX.Y.Z, highest first; other tags are ignored', () => {
  const v = computeVersion({ ...clean, tags: ['release-candidate', '1.2.3', 'v1.10.0', 'v2.0.0-rc.1'] }, hash);
  assert.deepEqual(v.semver, ['v2.0.0-rc.1', 'v1.10.0', 'v1.2.3']);
  assert.deepEqual(computeTags(v, 1), ['3f2a1b4c5d6e', 'main', 'build-1', 'v2.0.0-rc.1', 'v1.10.0', 'v1.2.3']);
});

test('uncommitted changes: the content hash marked -dirty, no branch or version tag', () => {
  const v = computeVersion({ ...clean, dirty: true, tags: ['v1.0.0'] }, hash);
  assert.deepEqual(v, { id: 'aa11bb22cc33-dirty', commit: 'aa11bb22cc33-dirty', branch: 'main', dirty: true, semver: [] });
  assert.deepEqual(computeTags(v, 3), ['aa11bb22cc33-dirty', 'build-3']);
});

test('outside git: the content hash marked -dirty', () => {
  const v = computeVersion(undefined, hash);
  assert.equal(v.id, 'aa11bb22cc33-dirty');
  assert.equal(v.branch, '');
  assert.deepEqual(computeTags(v, 1), ['aa11bb22cc33-dirty', 'build-1']);
});

test('a detached HEAD has no branch tag', () => {
  assert.deepEqual(computeTags(computeVersion({ ...clean, branch: undefined }, hash), 2), ['3f2a1b4c5d6e', 'build-2']);
});

test('branch names become valid Docker tags', () => {
  assert.equal(branchTag('feature/login-page'), 'feature-login-page');
  assert.equal(branchTag('fix/ÜTF_8 stuff'), 'fix-TF_8-stuff');
  assert.equal(branchTag('-.weird'), 'weird');
  assert.equal(branchTag('a'.repeat(200))?.length, 128);
  assert.equal(branchTag('///'), undefined);
});

test('the highest build number the engine already holds', () => {
  assert.equal(highestBuildNumber(['main', 'build-3', 'build-12', 'build-x', 'v1.0.0']), 12);
  assert.equal(highestBuildNumber([]), 0);
});
