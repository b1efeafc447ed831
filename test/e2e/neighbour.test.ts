// forgetNeighbour against the kernel's real neighbour table: an entry the host
// holds for an address is gone after the call, and an entry for another
// address stays. The addresses sit on one end of a veth pair whose other end
// is in a network namespace the test creates; no packet is sent.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { forgetNeighbour } from '../../src/runtime/neighbour.js';

const id = randomBytes(3).toString('hex');
const ns = `calma-nt-${id}`;
const hostEnd = `cnt${id}a`;
const nsEnd = `cnt${id}b`;
// A /24 from 10.254.x.0, picked per run so that two runs never meet.
const net = `10.254.${1 + (parseInt(id.slice(0, 2), 16) % 250)}`;
const ip = (args: string[]): string => execFileSync('ip', args, { encoding: 'utf8' });
const entry = (address: string): string => ip(['neigh', 'show', 'to', address, 'dev', hostEnd]).trim();

before(() => {
  ip(['netns', 'add', ns]);
  ip(['link', 'add', hostEnd, 'type', 'veth', 'peer', 'name', nsEnd, 'netns', ns]);
  ip(['addr', 'add', `${net}.1/24`, 'dev', hostEnd]);
  ip(['link', 'set', hostEnd, 'up']);
});

after(() => {
  // Deleting one end of a veth pair deletes both; the namespace goes after it.
  try {
    ip(['link', 'del', hostEnd]);
  } catch {
    /* already gone */
  }
  ip(['netns', 'del', ns]);
});

test('forgetNeighbour flushes the host entry of that address and no other', async () => {
  for (const host of [2, 3]) ip(['neigh', 'replace', `${net}.${host}`, 'lladdr', `02:00:00:00:00:0${host}`, 'dev', hostEnd, 'nud', 'reachable']);
  assert.match(entry(`${net}.2`), /02:00:00:00:00:02/);

  assert.equal(await forgetNeighbour(`${net}.2`), true);

  // A flushed entry is gone, or (while the kernel still holds it) marked FAILED.
  assert.doesNotMatch(entry(`${net}.2`), /REACHABLE|STALE|DELAY/);
  assert.match(entry(`${net}.3`), /02:00:00:00:00:03.*REACHABLE/);
});
