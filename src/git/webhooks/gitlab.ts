// GitLab's webhook payloads: Push Hook, Tag Push Hook and Merge Request Hook,
// named by X-Gitlab-Event. Each body also says what it is (`object_kind`); the
// two must agree, so a body replayed under another event header is refused.

import { z } from 'zod';
import { eventName, quoted, WebhookPayloadError, type HookEvent, type PullRequestAction, type WebhookHeaders } from './event.js';
import { isZeroSha, name, readPayload, refUpdateEvent, sha } from './payload.js';

// Recent GitLab puts the clone URL in `project`; older versions only in `repository`.
// Merge request payloads have a `repository` without it.
const project = z.object({ git_http_url: z.string() }).optional();
const repository = z.object({ git_http_url: z.string().optional() }).optional();

function pushSchema(kind: 'push' | 'tag_push') {
  return z.object({
    object_kind: z.literal(kind),
    ref: z.string(),
    before: sha,
    after: sha,
    // The commit the ref now points at (for an annotated tag, not the tag object); null on deletion.
    checkout_sha: sha.nullable().optional(),
    project,
    repository,
  });
}

const actionSchema = z.object({
  object_kind: z.literal('merge_request'),
  object_attributes: z.object({ action: z.string() }),
});

const mergeRequestSchema = z.object({
  object_attributes: z.object({
    /** The number shown in GitLab (!12); `id` is global to the instance. */
    iid: z.int(),
    source_branch: name,
    last_commit: z.object({ id: sha }),
  }),
  project,
  repository,
});

// A Map, not an object: an action named `constructor` must not find a prototype's property.
const mergeRequestActions: ReadonlyMap<string, PullRequestAction> = new Map([
  ['open', 'opened'],
  ['reopen', 'opened'],
  ['update', 'synchronized'],
  ['close', 'closed'],
  ['merge', 'closed'],
]);

export function parseGitLab(headers: WebhookHeaders, body: unknown): HookEvent {
  const event = eventName(headers, 'X-Gitlab-Event');
  switch (event) {
    case 'Push Hook':
    case 'Tag Push Hook': {
      const p = readPayload(pushSchema(event === 'Push Hook' ? 'push' : 'tag_push'), body);
      return refUpdateEvent({
        ref: p.ref,
        after: p.after,
        tagCommit: p.checkout_sha ?? undefined,
        created: isZeroSha(p.before),
        repository: cloneUrl(p),
      });
    }
    case 'Merge Request Hook': {
      const { object_attributes: { action } } = readPayload(actionSchema, body);
      const mapped = mergeRequestActions.get(action);
      if (mapped === undefined) return { kind: 'ignored', reason: `merge request action ${quoted(action)} is not handled` };
      const p = readPayload(mergeRequestSchema, body);
      return {
        kind: 'pull-request',
        action: mapped,
        number: p.object_attributes.iid,
        branch: p.object_attributes.source_branch,
        sha: p.object_attributes.last_commit.id.toLowerCase(),
        merged: action === 'merge',
        repository: cloneUrl(p),
      };
    }
    default:
      return { kind: 'ignored', reason: `event ${quoted(event)} is not handled` };
  }
}

function cloneUrl(p: { project?: { git_http_url: string } | undefined; repository?: { git_http_url?: string | undefined } | undefined }): string {
  const url = p.project?.git_http_url ?? p.repository?.git_http_url;
  if (url === undefined) throw new WebhookPayloadError('body.project.git_http_url: expected a string');
  return url;
}
