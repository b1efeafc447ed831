import { test } from 'node:test';
import assert from 'node:assert/strict';
import { forgetNeighbour } from '../../src/runtime/neighbour.js';

test('forgetNeighbour runs nothing for what is not an IPv4 address', async () => {
  for (const s of ['', '10.0.0.1 dev eth0', '10.0.0.1;reboot', 'all', '::1', '10.0.0']) assert.equal(await forgetNeighbour(s), false, s);
});
