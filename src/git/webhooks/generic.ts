// calma's own webhook, for hosts and scripts that are none of the others:
//
//   POST with X-Calma-Event: push and X-Calma-Signature: sha256=<hex HMAC of the body>
//   { "ref": "refs/heads/main", "after": "<40 hex>", "repository": "<clone url>" }
//
// `after` all zeros means the ref was deleted. An optional `before` (all zeros
// for a new branch) tells a created branch from an updated one.

import { z } from 'zod';
import { eventName, quoted, type HookEvent, type WebhookHeaders } from './event.js';
import { isZeroSha, readPayload, refUpdateEvent, sha } from './payload.js';

const pushSchema = z.object({
  ref: z.string(),
  before: sha.optional(),
  after: sha,
  repository: z.string().min(1, { error: 'expected a clone URL' }),
});

export function parseGeneric(headers: WebhookHeaders, body: unknown): HookEvent {
  const event = eventName(headers, 'X-Calma-Event');
  if (event !== 'push') return { kind: 'ignored', reason: `event ${quoted(event)} is not handled` };
  const p = readPayload(pushSchema, body);
  return refUpdateEvent({
    ref: p.ref,
    after: p.after,
    created: p.before !== undefined && isZeroSha(p.before),
    repository: p.repository,
  });
}
