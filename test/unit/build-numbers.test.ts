import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openDb } from '../../src/state/db.js';
import { nextBuildNumber } from '../../src/state/build-numbers.js';

test('build numbers increase per app and never fall below what the engine holds', () => {
  const db = openDb(':memory:');
  assert.equal(nextBuildNumber(db, 'shop'), 1);
  assert.equal(nextBuildNumber(db, 'shop'), 2);
  assert.equal(nextBuildNumber(db, 'blog'), 1);
  assert.equal(nextBuildNumber(db, 'shop', 10), 11);
  assert.equal(nextBuildNumber(db, 'shop', 3), 12);
  db.close();
});
