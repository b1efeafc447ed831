// A push, however it arrived (the daemon's git remote, a webhook): the commit
// is checked out of the app's repository, its calma.yml says where the branch
// goes, and the pipelines start. A deleted branch (or a closed pull request)
// takes its preview down.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { withEnvFiles } from '../config/env-file.js';
import { loadConfig } from '../config/load.js';
import { UserError } from '../errors.js';
import { checkoutCommit } from '../git/checkout.js';
import { repoDir } from '../git/repos.js';
import type { GitApps } from '../state/git-apps.js';
import type { PipelineTrigger } from '../state/pipelines.js';
import type { PreviewStore } from '../state/previews.js';
import type { DeployEvent } from './events.js';
import type { PipelineEnd, Pipelines } from './pipelines.js';
import { checkBranch } from '../config/names.js';
import { previewLabel, targetsFor } from './targets.js';

export interface DeliverDeps {
  home: string;
  pipelines: Pipelines;
  previews: PreviewStore;
  gitApps: GitApps;
}

export interface Push {
  branch: string;
  sha: string;
  trigger: PipelineTrigger;
  pullRequest?: number;
}

export async function deliverPush(deps: DeliverDeps, app: string, push: Push, onEvent: (e: DeployEvent) => void): Promise<PipelineEnd[]> {
  const branch = checkBranch(push.branch);
  mkdirSync(join(deps.home, 'work'), { recursive: true, mode: 0o700 });
  const work = mkdtempSync(join(deps.home, 'work', 'push-'));
  const dir = join(work, 'src');
  mkdirSync(dir);
  let handedOver = false;
  try {
    const { tags } = await checkoutCommit(repoDir(deps.home, app), push.sha, dir);
    const config = withEnvFiles(loadConfig(dir).config, dir);
    if (config.app !== app) throw new UserError(`calma.yml names the app "${config.app}", but this is the repository of "${app}": nothing deployed`);
    const labelOf = (b: string): string => deps.previews.byBranch(app, b)?.label ?? previewLabel(b, (l) => deps.previews.ownerOfLabel(app, l));
    const targets = targetsFor(config, branch, labelOf, push.pullRequest !== undefined);
    if (targets.length === 0) {
      const mapped = Object.entries(config.environments).map(([env, e]) => `${e.branch} → ${env}`);
      const previews = config.previews ? `; previews for ${config.previews.branches.join(', ')}` : '';
      onEvent({ type: 'log', line: `branch ${branch} deploys nowhere (${mapped.join(', ')}${previews}): nothing to do` });
      return [];
    }
    if (config.source?.repository) deps.gitApps.setRepository(app, config.source.repository);
    handedOver = true;
    return await deps.pipelines.submit({
      trigger: push.trigger,
      // The git host or pusher is not a calma principal: the history names the way in.
      actor: push.trigger === 'push' ? 'git push' : 'webhook',
      checkout: { dir, commit: push.sha, branch, tags, dirty: false },
      config,
      targets,
      ...(push.pullRequest !== undefined ? { pullRequest: push.pullRequest } : {}),
      onEvent,
      cleanup: () => rmSync(work, { recursive: true, force: true }),
    });
  } finally {
    if (!handedOver) rmSync(work, { recursive: true, force: true });
  }
}

/** A branch went away (deleted, or its pull request closed): its preview goes with it. */
export async function deliverDeletion(deps: DeliverDeps, app: string, branch: string, onEvent: (e: DeployEvent) => void): Promise<void> {
  const preview = deps.previews.byBranch(app, branch);
  if (!preview) {
    onEvent({ type: 'log', line: `branch ${branch} removed: it had no preview` });
    return;
  }
  const removed = await deps.pipelines.removePreview(app, preview.env, `branch ${branch} removed`);
  onEvent({ type: 'log', line: `branch ${branch} removed: preview ${preview.env} (${preview.domain}) torn down — ${removed.containers} containers, ${removed.volumes.length} volumes` });
}
