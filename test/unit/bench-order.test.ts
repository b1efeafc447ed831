import assert from 'node:assert/strict';
import { test } from 'node:test';
import { balancedOrders, roundOrder } from '../../bench/lib/order.js';

/** How often target b runs right after target a within the rows. */
function follows(rows: number[][], n: number): number[][] {
  const m = Array.from({ length: n }, () => Array<number>(n).fill(0));
  for (const row of rows) for (let i = 1; i < row.length; i++) m[row[i - 1]!]![row[i]!]!++;
  return m;
}

for (const n of [2, 3, 4, 5]) {
  test(`balancedOrders(${n}): each row a permutation; every position and every predecessor equally often`, () => {
    const rows = balancedOrders(n);
    assert.equal(rows.length, n % 2 === 0 ? n : 2 * n);
    for (const row of rows) assert.deepEqual([...row].sort(), [...Array(n).keys()]);
    for (let pos = 0; pos < n; pos++) {
      const counts = Array<number>(n).fill(0);
      for (const row of rows) counts[row[pos]!]!++;
      assert.deepEqual(counts, Array(n).fill(rows.length / n), `position ${pos}`);
    }
    const m = follows(rows, n);
    const pairs = m.flatMap((r, a) => r.filter((_, b) => a !== b));
    assert.ok(pairs.every((c) => c === pairs[0]), `predecessor counts ${JSON.stringify(m)}`);
  });
}

test('balancedOrders(4) is the Williams square of four targets', () => {
  assert.deepEqual(balancedOrders(4), [
    [0, 1, 3, 2],
    [1, 2, 0, 3],
    [2, 3, 1, 0],
    [3, 0, 2, 1],
  ]);
});

test('roundOrder cycles through the orders, round 1 first', () => {
  const t = ['a', 'b', 'c', 'd'];
  assert.deepEqual(roundOrder(t, 1), ['a', 'b', 'd', 'c']);
  assert.deepEqual(roundOrder(t, 2), ['b', 'c', 'a', 'd']);
  assert.deepEqual(roundOrder(t, 5), roundOrder(t, 1));
  assert.throws(() => balancedOrders(0), /0 targets/);
});
