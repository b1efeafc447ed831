// Gitea's webhook payloads (Forgejo sends the same ones), named by X-Gitea-Event.
// They follow GitHub's shapes with differences that matter: a push has no
// `created` flag, a create event carries the commit, and a pull request's new
// commits are `synchronized`.

import { z } from 'zod';
import { eventName, quoted, type HookEvent, type PullRequestAction, type WebhookHeaders } from './event.js';
import { deleteEvent, pullRequestEvent, repository } from './github-shapes.js';
import { isZeroSha, name, readPayload, refUpdateEvent, sha, shortRefName } from './payload.js';

const pushSchema = z.object({
  ref: z.string(),
  before: sha,
  after: sha,
  head_commit: z.object({ id: sha }).nullable().optional(),
  repository,
});

/** Create and delete events name the ref by its short name (`feature/login`). */
const createSchema = z.object({ ref: name, ref_type: z.string(), sha, repository });

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
    case 'delete':
      return deleteEvent(body);
    case 'pull_request':
      return pullRequestEvent(body, pullRequestActions);
    default:
      return { kind: 'ignored', reason: `event ${quoted(event)} is not handled` };
  }
}
