// What a webhook means to calma, whichever host sent it. Each provider's
// payload is reduced to one HookEvent; everything calma does not act on
// becomes `ignored` with a reason, so the daemon can answer 202 and log why.

import { UserError } from '../../errors.js';

export const webhookProviders = ['github', 'gitlab', 'gitea', 'generic'] as const;
export type WebhookProvider = (typeof webhookProviders)[number];

export type PullRequestAction = 'opened' | 'synchronized' | 'closed';

export type HookEvent =
  /** A branch was pushed to, or created (`created`). */
  | { kind: 'push'; branch: string; sha: string; repository: string; created: boolean }
  | { kind: 'branch-deleted'; branch: string; repository: string }
  /** A tag was created or pushed; `sha` is the commit it points at. */
  | { kind: 'tag'; tag: string; sha: string; repository: string }
  /** `branch` and `sha` are the head of the pull request; `repository` is the one it targets. */
  | { kind: 'pull-request'; action: PullRequestAction; number: number; branch: string; sha: string; merged: boolean; repository: string }
  | { kind: 'ignored'; reason: string };

/** Headers as node gives them (lower-cased keys), or as anything else does (any case). */
export type WebhookHeaders = Readonly<Record<string, string | string[] | undefined>>;

/**
 * A payload calma cannot read: a missing or mistyped field, a bad commit sha.
 * The message starts with the field's path (`body.repository.clone_url: expected a string`)
 * so whoever configured the hook can see what their host sent.
 */
export class WebhookPayloadError extends UserError {
  override readonly name = 'WebhookPayloadError';
}

/**
 * Every value of a header, whatever the case of its name. A header sent twice
 * gives two values: callers refuse that rather than guess which one counts.
 */
export function headerValues(headers: WebhookHeaders, name: string): string[] {
  const wanted = name.toLowerCase();
  const values: string[] = [];
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() !== wanted || value === undefined) continue;
    values.push(...(Array.isArray(value) ? value : [value]));
  }
  return values;
}

/** The event header's value; a missing or repeated one is a malformed request. */
export function eventName(headers: WebhookHeaders, header: string): string {
  const values = headerValues(headers, header);
  if (values.length > 1) throw new WebhookPayloadError(`more than one ${header} header`);
  const value = values[0]?.trim();
  if (value === undefined || value === '') throw new WebhookPayloadError(`missing event header ${header}`);
  return value;
}

/** A value from the request, quoted and cut short: it ends up in logs and HTTP answers. */
export function quoted(value: string): string {
  return JSON.stringify(value.length > 64 ? `${value.slice(0, 64)}…` : value);
}
