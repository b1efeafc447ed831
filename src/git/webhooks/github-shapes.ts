// The payload shapes GitHub and Gitea share (Gitea follows GitHub's): the
// repository, branch deletion and pull requests. Each host's parser keeps what
// differs (pushes, create events, the names of pull request actions).
import { z } from 'zod';
import { quoted, type HookEvent, type PullRequestAction } from './event.js';
import { name, readPayload, sha, shortRefName } from './payload.js';

export const repository = z.object({ clone_url: z.string() });

/** `ref` is the short name here (`feature/login`), not `refs/heads/…`. */
const deleteSchema = z.object({ ref: name, ref_type: z.string(), repository });

const actionSchema = z.object({ action: z.string() });

const pullRequestSchema = z.object({
  number: z.int(),
  pull_request: z.object({
    head: z.object({ ref: name, sha }),
    merged: z.boolean().nullable(),
  }),
  repository,
});

export function deleteEvent(body: unknown): HookEvent {
  const p = readPayload(deleteSchema, body);
  if (p.ref_type !== 'branch') return { kind: 'ignored', reason: `a ${quoted(p.ref_type)} was deleted, not a branch` };
  return { kind: 'branch-deleted', branch: shortRefName(p.ref), repository: p.repository.clone_url };
}

/** `actions` maps the host's action names to calma's; a Map, so an action named `constructor` finds nothing. */
export function pullRequestEvent(body: unknown, actions: ReadonlyMap<string, PullRequestAction>): HookEvent {
  const { action } = readPayload(actionSchema, body);
  const mapped = actions.get(action);
  if (mapped === undefined) return { kind: 'ignored', reason: `pull request action ${quoted(action)} is not handled` };
  const p = readPayload(pullRequestSchema, body);
  return {
    kind: 'pull-request',
    action: mapped,
    number: p.number,
    branch: p.pull_request.head.ref,
    sha: p.pull_request.head.sha.toLowerCase(),
    merged: mapped === 'closed' && p.pull_request.merged === true,
    repository: p.repository.clone_url,
  };
}
