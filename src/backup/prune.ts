// Retention: an environment keeps its newest `keep` snapshots; older ones go,
// directory and index row together.
import { rmSync } from 'node:fs';
import type { BackupStore } from '../state/backups.js';
import { backupDir } from './layout.js';
import { snapshotsToPrune } from './retention.js';

export function pruneSnapshots(deps: { home: string; store: BackupStore; log: (line: string) => void }, app: string, env: string, keep: number): void {
  for (const old of snapshotsToPrune(deps.store.list(app, env), keep)) {
    rmSync(backupDir(deps.home, app, env, old.id), { recursive: true, force: true });
    deps.store.remove(old.id);
    deps.log(`backup ${old.id} removed (backup.keep: ${keep})`);
  }
}
