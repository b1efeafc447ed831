import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nextAttemptAfterFailure, renewAt } from '../../src/certs/renewal.js';

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
const t0 = new Date('2030-01-01T00:00:00Z');
const at = (ms: number) => new Date(t0.getTime() + ms);
const before = (notAfter: Date, renew: Date) => notAfter.getTime() - renew.getTime();

test('renewAt: 30 days before expiry for long-lived certificates', () => {
  assert.equal(before(at(90 * DAY), renewAt(t0, at(90 * DAY))), 30 * DAY);
  assert.equal(before(at(365 * DAY), renewAt(t0, at(365 * DAY))), 30 * DAY);
});

test('renewAt: with a third of the lifetime left for short-lived ones', () => {
  assert.equal(before(at(89 * DAY), renewAt(t0, at(89 * DAY))), (89 * DAY) / 3);
  assert.equal(before(at(6 * DAY), renewAt(t0, at(6 * DAY))), 2 * DAY);
  assert.equal(before(at(HOUR), renewAt(t0, at(HOUR))), 20 * MIN);
  // Nonsense dates (expiry before start): renew at expiry, i.e. at once if it is past.
  assert.equal(renewAt(at(DAY), t0).getTime(), t0.getTime());
});

test('nextAttemptAfterFailure: 15 seconds, doubling, capped at 12 hours', () => {
  const wait = (failures: number) => nextAttemptAfterFailure(failures, t0).getTime() - t0.getTime();
  const first = MIN / 4;
  assert.deepEqual([1, 2, 3, 4, 10].map(wait), [first, 2 * first, 4 * first, 8 * first, 512 * first]);
  assert.equal(wait(13), 12 * HOUR);
  assert.equal(wait(1000), 12 * HOUR);
  assert.equal(wait(0), first);
  assert.equal(wait(Number.NaN), first);
});
