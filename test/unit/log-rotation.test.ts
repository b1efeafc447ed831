import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LOG_ROTATE_BYTES, logsToRotate } from '../../src/proxy/log-rotation.js';

test('a log is rotated once it reaches the limit; a missing or smaller one is left alone', () => {
  const sizes = new Map<string, number | undefined>([
    ['/e/logs/access.log', LOG_ROTATE_BYTES],
    ['/e/logs/error.log', LOG_ROTATE_BYTES - 1],
    ['/e/logs/gone.log', undefined],
  ]);
  assert.deepEqual(logsToRotate(sizes), ['/e/logs/access.log']);
  assert.deepEqual(logsToRotate(sizes, 10), ['/e/logs/access.log', '/e/logs/error.log']);
  assert.deepEqual(logsToRotate(new Map()), []);
});
