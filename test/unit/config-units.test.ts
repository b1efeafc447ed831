import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseDuration, parseSize } from '../../src/config/units.js';

test('parseDuration reads every unit and combinations, in milliseconds', () => {
  assert.equal(parseDuration('500ms'), 500);
  assert.equal(parseDuration('5s'), 5_000);
  assert.equal(parseDuration('2m'), 120_000);
  assert.equal(parseDuration('1h'), 3_600_000);
  assert.equal(parseDuration('7d'), 604_800_000);
  assert.equal(parseDuration('1m30s'), 90_000);
  assert.equal(parseDuration('1h1m1s1ms'), 3_661_001);
  assert.equal(parseDuration('0s'), 0);
});

test('parseDuration refuses what is not a duration', () => {
  for (const s of ['', '5', 'fast', '5 s', '1.5s', '-1s', '5S', 's', '1w', '99999999999999999999d']) {
    assert.equal(parseDuration(s), undefined, s);
  }
});

test('parseSize reads binary units, suffixes and plain bytes', () => {
  assert.equal(parseSize('512k'), 512 * 1024);
  assert.equal(parseSize('64m'), 64 * 1024 ** 2);
  assert.equal(parseSize('100m'), 104_857_600);
  assert.equal(parseSize('1g'), 1024 ** 3);
  assert.equal(parseSize('1t'), 1024 ** 4);
  assert.equal(parseSize('10MB'), 10 * 1024 ** 2);
  assert.equal(parseSize('1GiB'), 1024 ** 3);
  assert.equal(parseSize('1.5k'), 1536);
  assert.equal(parseSize('100b'), 100);
  assert.equal(parseSize('2048'), 2048);
  assert.equal(parseSize(4096), 4096);
  assert.equal(parseSize(0), 0);
});

test('parseSize refuses what is not a size', () => {
  for (const s of ['', 'big', '10x', 'm', '1ib', '-1m', '1 0m']) assert.equal(parseSize(s), undefined, s);
  for (const n of [-1, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) assert.equal(parseSize(n), undefined, String(n));
});
