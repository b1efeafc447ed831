// GitHub's webhook payloads (GitHub Enterprise sends the same ones). The event
// is named by X-GitHub-Event; only the fields calma uses are read, and only
// once the event and action are known to matter.

import { z } from 'zod';
import { eventName, quoted, type HookEvent, type PullRequestAction, type WebhookHeaders } from './event.js';
import { name, readPayload, refUpdateEvent, sha, shortRefName } from './payload.js';

const repository = z.object({ clone_url: z.string() });

const pushSchema = z.object({
  ref: z.string(),
  after: sha,
  created: z.boolean(),
  // Null when the push deleted the ref.
  head_commit: z.object({ id: sha }).nullable().optional(),
  repository,
});

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

// A Map, not an object: an action named `constructor` must not find a prototype's property.
const pullRequestActions: ReadonlyMap<string, PullRequestAction> = new Map([
  ['opened', 'opened'],
  ['reopened', 'opened'],
  ['synchronize', 'synchronized'],
  ['closed', 'closed'],
]);

export function parseGitHub(headers: WebhookHeaders, body: unknown): HookEvent {
  const event = eventName(headers, 'X-GitHub-Event');
  switch (event) {
    case 'push': {
      const p = readPayload(pushSchema, body);
      return refUpdateEvent({
        ref: p.ref,
        after: p.after,
        tagCommit: p.head_commit?.id,
        created: p.created,
        repository: p.repository.clone_url,
      });
    }
    case 'delete': {
      const p = readPayload(deleteSchema, body);
      if (p.ref_type !== 'branch') return { kind: 'ignored', reason: `a ${quoted(p.ref_type)} was deleted, not a branch` };
      return { kind: 'branch-deleted', branch: shortRefName(p.ref), repository: p.repository.clone_url };
    }
    case 'create':
      // A create event carries no commit; the push event GitHub sends with it does.
      return { kind: 'ignored', reason: 'branch and tag creation is handled by the push event that comes with it' };
    case 'ping':
      return { kind: 'ignored', reason: 'ping: the webhook is set up' };
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
        merged: mapped === 'closed' && p.pull_request.merged === true,
        repository: p.repository.clone_url,
      };
    }
    default:
      return { kind: 'ignored', reason: `event ${quoted(event)} is not handled` };
  }
}
