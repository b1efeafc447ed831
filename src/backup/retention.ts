// Which snapshots go when an environment has more than `keep`: the oldest.
// Pure, so the rule is pinned by a test.

export function snapshotsToPrune<T extends { id: string; createdAt: string }>(snapshots: readonly T[], keep: number): T[] {
  const newestFirst = [...snapshots].sort((a, b) => b.createdAt.localeCompare(a.createdAt) || b.id.localeCompare(a.id));
  return newestFirst.slice(Math.max(keep, 0));
}
