// The order of a bench's targets in each round: a Williams design. Over one
// cycle of rounds every target runs in every position equally often and
// follows every other target equally often, so a target that leaves the
// shared app container (or the machine) faster or slower for whoever runs
// next weighs on all alike. With the order only reversed every other round,
// calma's edge always ran right after the direct run or the hand nginx; in one
// edge-cost run its ratio averaged 1.02 in the odd rounds and 0.88 in the even.

/** The index orders of one cycle: n rows for an even n, 2n for an odd one. */
export function balancedOrders(n: number): number[][] {
  if (!Number.isInteger(n) || n < 1) throw new Error(`balancedOrders: ${n} targets`);
  // First row 0, 1, n-1, 2, n-2, …; every other row adds its number mod n.
  const first = Array.from({ length: n }, (_, i) => (i === 0 ? 0 : i % 2 === 1 ? (i + 1) / 2 : n - i / 2));
  const rows = Array.from({ length: n }, (_, r) => first.map((x) => (x + r) % n));
  return n % 2 === 0 ? rows : [...rows, ...rows.map((row) => [...row].reverse())];
}

/** The targets in round `round` (1-based) of a run that cycles through balancedOrders. */
export function roundOrder<T>(targets: readonly T[], round: number): T[] {
  const orders = balancedOrders(targets.length);
  return orders[(round - 1) % orders.length]!.map((i) => targets[i]!);
}
