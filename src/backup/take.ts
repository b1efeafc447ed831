// Taking one snapshot of an environment's data: each listed named volume as a
// tar, each service's dump, a manifest with every file's sha256, written under
// `<id>.partial` and renamed when whole. Any failure (a volume that cannot be
// read, a dump exiting non-zero or empty, a full disk) removes the partial
// snapshot and is one clear error: never a success without the data.
import type Docker from 'dockerode';
import { closeSync, fsyncSync, mkdirSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { errorMessage, UserError } from '../errors.js';
import type { BackupStore } from '../state/backups.js';
import { backupDir, newBackupId } from './layout.js';
import { sha256File, totalBytes, type Manifest } from './manifest.js';
import { pruneSnapshots } from './prune.js';
import { dumpService } from './service-dump.js';
import { archiveVolume, volumeExists } from './volume-archive.js';
import { volumeName } from '../runtime/names.js';

export interface BackupDeps {
  docker: Docker;
  home: string;
  store: BackupStore;
  log: (line: string) => void;
}

export interface BackupRequest {
  app: string;
  env: string;
  release: string;
  kind: Manifest['kind'];
  /** Named volumes of calma.yml (without the `<app>_` prefix). */
  volumes: readonly string[];
  services: readonly { name: string; container: string; dump: string[]; restore: string[] }[];
  keep: number;
}

async function containerState(docker: Docker, name: string): Promise<'missing' | 'running' | string> {
  try {
    const info = await docker.getContainer(name).inspect();
    return info.State.Running ? 'running' : info.State.Status;
  } catch (e) {
    if ((e as { statusCode?: number }).statusCode === 404) return 'missing';
    throw e;
  }
}

export async function takeBackup(deps: BackupDeps, req: BackupRequest): Promise<Manifest> {
  const started = Date.now();
  const id = newBackupId(started);
  const dir = backupDir(deps.home, req.app, req.env, id);
  const partial = `${dir}.partial`;
  const labels = { 'calma.app': req.app, 'calma.env': req.env };
  const manifest: Manifest = { id, app: req.app, env: req.env, release: req.release, kind: req.kind, createdAt: new Date(started).toISOString(), durationMs: 0, volumes: [], services: [], skipped: [] };
  try {
    mkdirSync(join(partial, 'volumes'), { recursive: true, mode: 0o700 });
    mkdirSync(join(partial, 'services'), { mode: 0o700 });
    for (const name of req.volumes) {
      const volume = volumeName(req.app, req.env, name);
      if (!(await volumeExists(deps.docker, volume))) {
        manifest.skipped.push(`volume ${name}: not created yet`);
        continue;
      }
      const file = `volumes/${name}.tar`;
      await archiveVolume(deps.docker, volume, join(partial, file), labels);
      manifest.volumes.push({ name, file, ...(await sha256File(join(partial, file))) });
    }
    for (const s of req.services) {
      const state = await containerState(deps.docker, s.container);
      if (state === 'missing') {
        manifest.skipped.push(`service ${s.name}: not started yet`);
        continue;
      }
      if (state !== 'running') throw new UserError(`service ${s.name} is ${state}: its data cannot be dumped`);
      const file = `services/${s.name}.dump`;
      await dumpService(deps.docker, s.container, s.name, s.dump, join(partial, file));
      manifest.services.push({ name: s.name, file, restore: s.restore, ...(await sha256File(join(partial, file))) });
    }
    manifest.durationMs = Date.now() - started;
    const fd = openSync(join(partial, 'manifest.json'), 'wx', 0o600);
    writeSync(fd, `${JSON.stringify(manifest, null, 2)}\n`);
    fsyncSync(fd);
    closeSync(fd);
    renameSync(partial, dir);
  } catch (e) {
    rmSync(partial, { recursive: true, force: true });
    if (e instanceof UserError) throw new UserError(`backup failed: ${e.message}`, e.details);
    throw new UserError(`backup failed: ${errorMessage(e)}`);
  }
  deps.store.add({ id, app: req.app, env: req.env, release: req.release, kind: req.kind, createdAt: manifest.createdAt, bytes: totalBytes(manifest), durationMs: manifest.durationMs, verifiedAt: new Date().toISOString() });
  const saved = [...manifest.volumes.map((v) => `volume ${v.name}`), ...manifest.services.map((s) => `service ${s.name}`)];
  deps.log(`backup ${id}: ${saved.join(', ') || 'nothing yet'} (${totalBytes(manifest)} bytes, ${manifest.durationMs} ms)${manifest.skipped.length ? `; skipped ${manifest.skipped.join(', ')}` : ''}`);
  pruneSnapshots(deps, req.app, req.env, req.keep);
  return manifest;
}
