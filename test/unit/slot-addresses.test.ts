import { test } from 'node:test';
import assert from 'node:assert/strict';
import { reserveSlotAddresses, type HolderLookup } from '../../src/deploy/slot-addresses.js';
import type { AddressLabels } from '../../src/runtime/releases.js';
import { AddressBook } from '../../src/state/addresses.js';
import { openDb } from '../../src/state/db.js';

const subnet = '10.210.0.0/16';
const holder = (app: string, slot: string, address: string): AddressLabels => ({ 'calma.app': app, 'calma.env': 'production', 'calma.slot': slot, 'calma.address': address });

/** An engine holding these containers, answering as addressHolders does; every question is kept. */
function engine(held: AddressLabels[]): { lookup: HolderLookup; asked: (readonly string[] | 'all')[] } {
  const asked: (readonly string[] | 'all')[] = [];
  const lookup: HolderLookup = async (addresses) => {
    asked.push(addresses ?? 'all');
    return addresses === undefined ? held : held.filter((l) => addresses.includes(l['calma.address'] ?? ''));
  };
  return { lookup, asked };
}

const shop = { app: 'shop', env: 'production', slot: 'a' as const, replicas: 2, subnet };

test('a new environment: the engine is asked only about the addresses just handed out', async () => {
  const { lookup, asked } = engine([holder('blog', 'a', '10.210.200.1')]);
  const got = await reserveSlotAddresses(new AddressBook(openDb(':memory:')), lookup, shop);
  assert.deepEqual(got, { green: ['10.210.128.0', '10.210.128.1'], standby: ['10.210.128.2', '10.210.128.3'] });
  assert.deepEqual(asked, [['10.210.128.0', '10.210.128.1', '10.210.128.2', '10.210.128.3']]);
});

test('a redeploy keeps its addresses without asking the engine', async () => {
  const book = new AddressBook(openDb(':memory:'));
  const first = await reserveSlotAddresses(book, engine([]).lookup, shop);
  const { lookup, asked } = engine([holder('shop', 'a', '10.210.128.0')]);
  assert.deepEqual(await reserveSlotAddresses(book, lookup, { ...shop, slot: 'b' }), { green: first.standby, standby: first.green });
  assert.deepEqual(asked, []);
});

test('an address held by a container of another calma home is chosen again around every holder', async () => {
  const book = new AddressBook(openDb(':memory:'));
  const { lookup, asked } = engine([holder('elsewhere', 'a', '10.210.128.1'), holder('elsewhere', 'b', '10.210.128.5')]);
  const got = await reserveSlotAddresses(book, lookup, shop);
  // Chosen again after the four first handed out, around the other home's.
  assert.deepEqual(got, { green: ['10.210.128.4', '10.210.128.6'], standby: ['10.210.128.7', '10.210.128.8'] });
  assert.deepEqual(asked.at(-1), 'all');
  // The book holds exactly what was handed out: the held address is not kept reserved.
  assert.deepEqual([...book.lookup('shop', 'production', 'a'), ...book.lookup('shop', 'production', 'b')], [...got.green, ...got.standby]);
});

test("a container of the same slot (an older release) holding its address is no clash", async () => {
  const { lookup, asked } = engine([holder('shop', 'a', '10.210.128.0')]);
  const got = await reserveSlotAddresses(new AddressBook(openDb(':memory:')), lookup, shop);
  assert.deepEqual(got.green, ['10.210.128.0', '10.210.128.1']);
  assert.equal(asked.length, 1);
});

test('after a clash the book remembers what others hold: the next new environment neither gets those addresses nor reads every holder', async () => {
  const db = openDb(':memory:');
  const book = new AddressBook(db);
  const others = [holder('elsewhere', 'a', '10.210.128.0'), holder('elsewhere', 'b', '10.210.128.1')];
  await reserveSlotAddresses(book, engine(others).lookup, shop);
  const { lookup, asked } = engine(others);
  const blog = await reserveSlotAddresses(book, lookup, { ...shop, app: 'blog' });
  assert.deepEqual(blog, { green: ['10.210.128.8', '10.210.128.9'], standby: ['10.210.128.10', '10.210.128.11'] });
  assert.deepEqual(asked, [['10.210.128.8', '10.210.128.9', '10.210.128.10', '10.210.128.11']], 'one small question, no clash');
  // The next full read replaces what was remembered: an address given up by the other home is free again.
  const { lookup: later } = engine([holder('elsewhere', 'a', '10.210.128.0'), holder('elsewhere', 'a', '10.210.128.12')]);
  const wiki = await reserveSlotAddresses(book, later, { ...shop, app: 'wiki' });
  assert.deepEqual(wiki, { green: ['10.210.128.16', '10.210.128.17'], standby: ['10.210.128.18', '10.210.128.19'] });
  assert.deepEqual(db.prepare('SELECT address FROM foreign_addresses ORDER BY address').pluck().all(), ['10.210.128.0', '10.210.128.12']);
});

test('an address given back is handed out again only after every other one: the search goes on from the last one and wraps around', () => {
  const book = new AddressBook(openDb(':memory:'));
  const small = '10.210.0.0/28'; // 7 fixed addresses: 10.210.0.8 to 10.210.0.14
  const none = new Set<string>();
  assert.deepEqual(book.reserve('shop', 'production', 'a', 4, small, none, { shrink: true }), ['10.210.0.8', '10.210.0.9', '10.210.0.10', '10.210.0.11']);
  assert.deepEqual(book.reserve('blog', 'production', 'a', 2, small, none, { shrink: true }), ['10.210.0.12', '10.210.0.13']);
  book.release('shop');
  // Not 10.210.0.8, which shop held a moment ago: the last one first, then from the start.
  assert.deepEqual(book.reserve('wiki', 'production', 'a', 2, small, none, { shrink: true }), ['10.210.0.14', '10.210.0.8']);
  // Past what the engine shows held, never twice in one reservation; with none left, a clear error.
  const held = new Set(['10.210.0.9']);
  assert.throws(() => book.reserve('docs', 'production', 'a', 3, small, held, { shrink: true }), /no free address left on calma's network \(10\.210\.0\.0\/28\)/);
  assert.deepEqual(book.reserve('docs', 'production', 'a', 2, small, held, { shrink: true }), ['10.210.0.10', '10.210.0.11']);
});
