import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openDb } from '../../src/state/db.js';
import { buildNumbersSeeded, nextBuildNumber, seedBuildNumbers } from '../../src/state/build-numbers.js';
import { highestBuildNumbers } from '../../src/build/tags.js';

test('build numbers increase per app and never fall below what the engine holds', () => {
  const db = openDb(':memory:');
  assert.equal(nextBuildNumber(db, 'shop'), 1);
  assert.equal(nextBuildNumber(db, 'shop'), 2);
  assert.equal(nextBuildNumber(db, 'blog'), 1);
  assert.equal(nextBuildNumber(db, 'shop', 10), 11);
  assert.equal(nextBuildNumber(db, 'shop', 3), 12);
  db.close();
});

test("a new database takes each app's highest build number from the engine's tags, once", () => {
  assert.deepEqual(
    highestBuildNumbers(['shop:build-3', 'shop:build-12', 'shop:main', 'blog:build-1', 'registry.local:5000/shop:build-40', 'other:v1', '<none>:<none>']),
    new Map([
      ['shop', 12],
      ['blog', 1],
      ['registry.local:5000/shop', 40],
    ]),
  );
  const db = openDb(':memory:');
  assert.equal(nextBuildNumber(db, 'blog'), 1);
  assert.equal(buildNumbersSeeded(db), false);
  seedBuildNumbers(db, new Map([['shop', 12], ['blog', 0]]));
  assert.equal(buildNumbersSeeded(db), true);
  assert.equal(nextBuildNumber(db, 'shop'), 13);
  assert.equal(nextBuildNumber(db, 'blog'), 2, 'a counter already ahead is not lowered');
  db.close();
});
