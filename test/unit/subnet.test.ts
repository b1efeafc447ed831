import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dynamicRange, fixedAddress, fixedCapacity, fixedIndex, networkOf, overlaps, parseCidr, pickSubnet } from '../../src/runtime/subnet.js';
import { AddressBook } from '../../src/state/addresses.js';
import { openDb } from '../../src/state/db.js';

test('CIDR parsing refuses host bits, bad octets and bad lengths', () => {
  assert.deepEqual(parseCidr('10.210.0.0/16'), { base: 10 * 2 ** 24 + 210 * 2 ** 16, bits: 16 });
  for (const bad of ['10.210.0.1/16', '10.256.0.0/16', '10.0.0.0/33', '10.0.0.0', '10.0.0.0/16/2', 'x/8']) assert.equal(parseCidr(bad), undefined, bad);
  assert.equal(networkOf('192.168.1.7', 24), '192.168.1.0/24');
});

test('the subnet is the first candidate no network in use overlaps', () => {
  assert.equal(pickSubnet([]), '10.210.0.0/16');
  assert.equal(pickSubnet(['10.0.0.0/8']), undefined);
  assert.equal(pickSubnet(['172.17.0.0/16', '10.210.5.0/24', '10.211.0.0/16']), '10.212.0.0/16');
  assert.ok(overlaps(parseCidr('10.0.0.0/8')!, parseCidr('10.210.0.0/16')!));
  assert.ok(!overlaps(parseCidr('10.209.0.0/16')!, parseCidr('10.210.0.0/16')!));
});

test('the engine allocates from the lower half; fixed addresses come from the upper half', () => {
  assert.equal(dynamicRange('10.210.0.0/16'), '10.210.0.0/17');
  assert.equal(fixedAddress('10.210.0.0/16', 0), '10.210.128.0');
  assert.equal(fixedAddress('10.210.0.0/16', 300), '10.210.129.44');
  assert.equal(fixedCapacity('10.210.0.0/16'), 32767);
  assert.equal(fixedIndex('10.210.0.0/16', '10.210.129.44'), 300);
  assert.equal(fixedIndex('10.210.0.0/16', '10.210.0.5'), undefined);
  assert.equal(fixedIndex('10.210.0.0/16', '10.210.255.255'), undefined, 'the broadcast address is never handed out');
  assert.throws(() => fixedAddress('10.210.0.0/16', 32767), RangeError);
});

test('the address book: stable per slot and replica, never shared, skipping what the engine holds', () => {
  const book = new AddressBook(openDb(':memory:'));
  const subnet = '10.210.0.0/16';
  const none = new Set<string>();
  const shrink = { shrink: true };
  assert.deepEqual(book.reserve('shop', 'production', 'a', 2, subnet, none, shrink), ['10.210.128.0', '10.210.128.1']);
  assert.deepEqual(book.reserve('shop', 'production', 'b', 2, subnet, new Set(['10.210.128.2']), shrink), ['10.210.128.3', '10.210.128.4']);
  // The same slot again: the same addresses (the edge's file does not change).
  assert.deepEqual(book.reserve('shop', 'production', 'a', 2, subnet, none, shrink), ['10.210.128.0', '10.210.128.1']);
  // Fewer replicas free the extra address, but the next one handed out is a new one.
  assert.deepEqual(book.reserve('shop', 'production', 'a', 1, subnet, none, shrink), ['10.210.128.0']);
  assert.deepEqual(book.reserve('blog', 'production', 'a', 1, subnet, none, shrink), ['10.210.128.5']);
  assert.deepEqual(book.lookup('shop', 'production', 'b'), ['10.210.128.3', '10.210.128.4']);
  book.release('shop');
  assert.deepEqual(book.lookup('shop', 'production', 'b'), []);
  assert.deepEqual(book.reserve('docs', 'production', 'a', 1, subnet, none, shrink), ['10.210.128.6']);
});
