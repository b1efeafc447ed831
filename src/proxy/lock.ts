// One change to an edge at a time. A reload loads the whole directory, so two
// concurrent route changes would each load (and could each undo) the other's
// half-finished file. Changes to one prefix run one after the other, in order.

const tails = new Map<string, Promise<unknown>>();

export function withEdgeLock<T>(prefix: string, fn: () => Promise<T>): Promise<T> {
  const previous = tails.get(prefix) ?? Promise.resolve();
  const run = previous.then(fn, fn);
  const tail = run.catch(() => undefined);
  tails.set(prefix, tail);
  // Forget the prefix once idle, so the map does not grow with every test's temp dir.
  void tail.then(() => {
    if (tails.get(prefix) === tail) tails.delete(prefix);
  });
  return run;
}
