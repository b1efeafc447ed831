// GitHub's webhook payloads (GitHub Enterprise sends the same ones). The event
// is named by X-GitHub-Event; only the fields calma uses are read, and only
// once the event and action are known to matter.

import { z } from 'zod';
import { eventName, quoted, type HookEvent, type PullRequestAction, type WebhookHeaders } from './event.js';
import { deleteEvent, pullRequestEvent, repository } from './github-shapes.js';
import { readPayload, refUpdateEvent, sha } from './payload.js';

const pushSchema = z.object({
  ref: z.string(),
  after: sha,
  created: z.boolean(),
  // Null when the push deleted the ref.
  head_commit: z.object({ id: sha }).nullable().optional(),
  repository,
});

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
    case 'delete':
      return deleteEvent(body);
    case 'create':
      // A create event carries no commit; the push event GitHub sends with it does.
      return { kind: 'ignored', reason: 'branch and tag creation is handled by the push event that comes with it' };
    case 'ping':
      return { kind: 'ignored', reason: 'ping: the webhook is set up' };
    case 'pull_request':
      return pullRequestEvent(body, pullRequestActions);
    default:
      return { kind: 'ignored', reason: `event ${quoted(event)} is not handled` };
  }
}
