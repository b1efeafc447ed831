// A version tag pushed (or announced by a webhook) for a commit calma already
// built: the commit's image gets the tag `<app>:vX.Y.Z` and the releases made
// from it list it, with no rebuild (the image is the one that was tested). A
// commit not built yet gets the tag when it is, since a build tags every
// version tag on its commit.
import type Docker from 'dockerode';
import { semverTag } from '../build/tags.js';
import type { Db } from '../state/db.js';
import type { DeployEvent } from './events.js';

export interface TagDeps {
  docker: Docker;
  db: Db;
}

export async function deliverTag(deps: TagDeps, app: string, gitTag: string, sha: string, onEvent: (e: DeployEvent) => void): Promise<void> {
  const tag = semverTag(gitTag);
  if (tag === undefined) {
    onEvent({ type: 'log', line: `tag ${gitTag} is not a version (like v1.2.0): no image tagged` });
    return;
  }
  const images = await deps.docker.listImages({ filters: { label: [`calma.app=${app}`, `calma.commit=${sha}`, 'calma.role=image'] } });
  const newest = images.sort((a, b) => b.Created - a.Created)[0];
  if (!newest) {
    onEvent({ type: 'log', line: `tag ${gitTag}: commit ${sha.slice(0, 12)} has no image yet; its next build will carry ${app}:${tag}` });
    return;
  }
  await deps.docker.getImage(newest.Id).tag({ repo: app, tag });
  tagReleases(deps.db, app, sha, gitTag);
  onEvent({ type: 'log', line: `tag ${gitTag}: ${app}:${tag} now names the image of ${sha.slice(0, 12)} (no rebuild)` });
}

/** Adds the git tag to every recorded release of the commit. */
function tagReleases(db: Db, app: string, sha: string, gitTag: string): void {
  const rows = db.prepare('SELECT id, tags FROM releases WHERE app = ? AND commit_sha = ?').all(app, sha) as Array<{ id: string; tags: string | null }>;
  for (const r of rows) {
    const tags = new Set(r.tags ? (JSON.parse(r.tags) as string[]) : []);
    tags.add(gitTag);
    db.prepare('UPDATE releases SET tags = ? WHERE id = ?').run(JSON.stringify([...tags]), r.id);
  }
}
