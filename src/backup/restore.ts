// Putting a snapshot's data back: its checksums are verified first (a damaged
// snapshot is refused before anything is touched), then each volume is
// emptied and refilled from its tar, and each service's dump is fed to its
// restore command. Stopping and starting the app around it is the caller's.
import type Docker from 'dockerode';
import { join } from 'node:path';
import { errorMessage, UserError } from '../errors.js';
import { serviceContainerName } from '../runtime/services.js';
import { volumeName } from '../runtime/names.js';
import type { BackupStore } from '../state/backups.js';
import { backupDir } from './layout.js';
import { readManifest, verifySnapshot, type Manifest } from './manifest.js';
import { restoreService } from './service-dump.js';
import { restoreVolume } from './volume-archive.js';

export interface RestoreDeps {
  docker: Docker;
  home: string;
  store: BackupStore;
  log: (line: string) => void;
}

/** Reads and verifies a snapshot; the verdict is recorded either way. */
export async function checkedSnapshot(deps: RestoreDeps, app: string, env: string, id: string): Promise<{ dir: string; manifest: Manifest }> {
  if (!deps.store.get(app, id)) throw new UserError(`no backup ${id} of ${app} (see calma backups ${app})`);
  const dir = backupDir(deps.home, app, env, id);
  try {
    const manifest = readManifest(dir);
    if (manifest.id !== id || manifest.app !== app || manifest.env !== env) throw new UserError(`backup ${id}'s manifest is for ${manifest.app}/${manifest.env} ${manifest.id}`);
    await verifySnapshot(dir, manifest);
    deps.store.verified(id, null);
    return { dir, manifest };
  } catch (e) {
    deps.store.verified(id, errorMessage(e));
    throw e;
  }
}

/** Puts snapshot `id` of `from` (by default the same environment) back into `env`: a preview starts from production's data this way. */
export async function restoreSnapshot(deps: RestoreDeps, app: string, env: string, id: string, from = env): Promise<Manifest> {
  const { dir, manifest } = await checkedSnapshot(deps, app, from, id);
  const labels = { 'calma.app': app, 'calma.env': env };
  for (const v of manifest.volumes) {
    await restoreVolume(deps.docker, volumeName(app, env, v.name), join(dir, v.file), labels);
    deps.log(`volume ${v.name} restored from backup ${id}`);
  }
  for (const s of manifest.services) {
    await restoreService(deps.docker, serviceContainerName(app, env, s.name), s.name, s.restore, join(dir, s.file));
    deps.log(`service ${s.name} restored from backup ${id}`);
  }
  return manifest;
}
