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

/** An app and environment name checked before they become part of a name or a path. */
export function checkAppEnv(app: string, env: string): void {
  if (!isAppName(app)) throw new UserError(`invalid app name "${app}"`);
  if (!isDnsLabel(env)) throw new UserError(`invalid environment name "${env}"`);
}
