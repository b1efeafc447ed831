// Gitea's webhook payloads (Forgejo sends the same ones), named by X-Gitea-Event.
// They follow GitHub's shapes with differences that matter: a push has no
// `created` flag, a create event carries the commit, and a pull request's new
// commits are `synchronized`.

import { z } from 'zod';
import { eventName, quoted, type HookEvent, type PullRequestAction, type WebhookHeaders } from './event.js';
import { isZeroSha, name, readPayload, refUpdateEvent, sha, shortRefName } from './payload.js';

const repository = z.object({ clone_url: z.string() });

const pushSchema = z.object({
  ref: z.string(),
  before: sha,
  after: sha,
  head_commit: z.object({ id: sha }).nullable().optional(),
  repository,
});

/** Create and delete events name the ref by its short name (`feature/login`). */
const createSchema = z.object({ ref: name, ref_type: z.string(), sha, repository });
const deleteSchema = z.object({ ref: name, ref_type: z.string(), repository });

const actionSchema = z.object({ action: z.string() });

const pullRequestSchema = z.object({
  number: z.int(),
  pull_request: z.object({
    head: z.object({ ref: name, sha }),
    merged: z.boolean(),
  }),
  repository,
});

// A Map, not an object: an action named `constructor` must not find a prototype's property.
const pullRequestActions: ReadonlyMap<string, PullRequestAction> = new Map([
  ['opened', 'opened'],
  ['reopened', 'opened'],
  ['synchronized', 'synchronized'],
  ['closed', 'closed'],
]);

export function parseGitea(headers: WebhookHeaders, body: unknown): HookEvent {
  const event = eventName(headers, 'X-Gitea-Event');
  switch (event) {
    case 'push': {
      const p = readPayload(pushSchema, body);
      return refUpdateEvent({
        ref: p.ref,
        after: p.after,
        tagCommit: p.head_commit?.id,
        created: isZeroSha(p.before),
        repository: p.repository.clone_url,
      });
    }
    case 'create': {
      const p = readPayload(createSchema, body);
      const repo = p.repository.clone_url;
      if (p.ref_type === 'branch') return { kind: 'push', branch: shortRefName(p.ref), sha: p.sha.toLowerCase(), repository: repo, created: true };
      if (p.ref_type === 'tag') return { kind: 'tag', tag: shortRefName(p.ref), sha: p.sha.toLowerCase(), repository: repo };
      return { kind: 'ignored', reason: `a ${quoted(p.ref_type)} was created, not a branch or tag` };
    }
    case 'delete': {
      const p = readPayload(deleteSchema, body);
      if (p.ref_type !== 'branch') return { kind: 'ignored', reason: `a ${quoted(p.ref_type)} was deleted, not a branch` };
      return { kind: 'branch-deleted', branch: shortRefName(p.ref), repository: p.repository.clone_url };
    }
    case 'pull_request': {
      const { action } = readPayload(actionSchema, body);
      const mapped = pullRequestActions.get(action);
      if (mapped === undefined) return { kind: 'ignored', reason: `pull request action ${quoted(action)} is not handled` };
      const p = readPayload(pullRequestSchema, body);
      return {
        kind: 'pull-request',
        action: mapped,
        number: p.number,
        branch: p.pull_request.head.ref,
        sha: p.pull_request.head.sha.toLowerCase(),
        merged: mapped === 'closed' && p.pull_request.merged,
        repository: p.repository.clone_url,
      };
    }
    default:
      return { kind: 'ignored', reason: `event ${quoted(event)} is not handled` };
  }
}
