// The containers of the release an environment serves now, for the
// operations that act on what runs (logs, exec); none is a 404 for the caller.
import type Docker from 'dockerode';
import { ApiError } from '../api/errors.js';
import { listReleases } from '../runtime/releases.js';

export async function servingContainerNames(docker: Docker, app: string, env: string): Promise<string[]> {
  const serving = (await listReleases(docker, app, env)).find((r) => r.running);
  if (!serving) throw new ApiError('not_found', `${app}/${env} has no running release`);
  return serving.containers;
}
