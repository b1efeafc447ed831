// The containers of the release an environment serves now, for the
// operations that act on what runs (logs, exec); none is a 404 for the caller.
import type Docker from 'dockerode';
import { ApiError } from '../api/errors.js';
import { listReleases } from '../runtime/releases.js';
import { serviceContainerName } from '../runtime/services.js';

/** A service's container (`service`), or else the serving release's. */
export async function targetContainerNames(docker: Docker, app: string, env: string, service: string | undefined): Promise<string[]> {
  if (service === undefined) return servingContainerNames(docker, app, env);
  const name = serviceContainerName(app, env, service);
  await docker
    .getContainer(name)
    .inspect()
    .catch(() => {
      throw new ApiError('not_found', `${app}/${env} has no service ${service}`);
    });
  return [name];
}

export async function servingContainerNames(docker: Docker, app: string, env: string): Promise<string[]> {
  const serving = (await listReleases(docker, app, env)).find((r) => r.running);
  if (!serving) throw new ApiError('not_found', `${app}/${env} has no running release`);
  return serving.containers;
}
