// Names of what calma creates in the engine. Every part is validated before
// it gets here (app names, environment labels); deployment ids are calma's own.
import { UserError } from '../errors.js';
import { isAppName, isDnsLabel } from '../config/names.js';

/** The bridge network the edge reaches every web container on. */
export const EDGE_NETWORK = 'calma-edge';

const DEPLOYMENT_ID = /^d[0-9a-z]{6,16}$/;

export function webContainerName(app: string, env: string, deploymentId: string, replica: number): string {
  checkAppEnv(app, env);
  if (!DEPLOYMENT_ID.test(deploymentId)) throw new UserError(`invalid deployment id "${deploymentId}"`);
  if (!Number.isInteger(replica) || replica < 1 || replica > 99) throw new UserError(`invalid replica number ${replica}`);
  return `calma-${app}-${env}-${deploymentId}-${replica}`;
}

/** A fresh deployment id: sortable by time, unique enough for one host. */
export function newDeploymentId(now = Date.now(), random = Math.random): string {
  return `d${now.toString(36)}${Math.floor(random() * 36 ** 3).toString(36).padStart(3, '0')}`;
}

/**
 * The engine name of a named volume of calma.yml. Production keeps the plain
 * `<app>_<name>`; every other environment (staging, previews) has its own,
 * `<app>.<env>_<name>`, so no environment ever writes into another's data.
 * App and environment names have neither `.` nor `_`, so names cannot collide.
 */
export function volumeName(app: string, env: string, name: string): string {
  checkAppEnv(app, env);
  return env === 'production' ? `${app}_${name}` : `${app}.${env}_${name}`;
}

/** Whether an engine volume belongs to an app (any environment). */
export function isAppVolume(app: string, volume: string): boolean {
  return volume.startsWith(`${app}_`) || volume.startsWith(`${app}.`);
}

/** Whether an engine volume belongs to one environment of an app. */
export function isEnvVolume(app: string, env: string, volume: string): boolean {
  return volume.startsWith(env === 'production' ? `${app}_` : `${app}.${env}_`);
}

/** An app and environment name checked before they become part of a name or a path. */
export function checkAppEnv(app: string, env: string): void {
  if (!isAppName(app)) throw new UserError(`invalid app name "${app}"`);
  if (!isDnsLabel(env)) throw new UserError(`invalid environment name "${env}"`);
}
