// What an environment's data is, read from its calma.yml: the services to run
// and what a backup saves. Shared by deployments, `calma backup` and the
// backup schedule, so all three save the same things.
import type { CalmaConfig } from '../config/schema.js';
import type { BackupRequest } from '../backup/take.js';
import type { Manifest } from '../backup/manifest.js';
import { serviceContainerName, type ServiceSpec } from '../runtime/services.js';

export function serviceSpecs(config: CalmaConfig): ServiceSpec[] {
  return Object.entries(config.services).map(([name, s]) => ({ name, image: s.image, command: s.command, environment: s.env, volumes: s.volumes, port: s.port }));
}

/** The services running in an environment that calma.yml no longer defines. */
export function undefinedServices(running: readonly { name: string }[], config: CalmaConfig): string[] {
  return running.map((r) => r.name).filter((name) => name !== '' && !Object.hasOwn(config.services, name));
}

/** Whether a backup would save anything: listed volumes or services with a dump command. */
export function hasBackupWork(config: CalmaConfig): boolean {
  return config.backup.volumes.length > 0 || Object.values(config.services).some((s) => s.backup !== undefined);
}

export function backupRequest(config: CalmaConfig, env: string, release: string, kind: Manifest['kind']): BackupRequest {
  const services = Object.entries(config.services).flatMap(([name, s]) =>
    s.backup ? [{ name, container: serviceContainerName(config.app, env, name), dump: s.backup.dump, restore: s.backup.restore }] : [],
  );
  return { app: config.app, env, release, kind, volumes: config.backup.volumes, services, keep: config.backup.keep };
}
