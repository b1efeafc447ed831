// What the providers' payloads have in common: reading them with a zod schema
// (so a bad field is named by its path), commit shas, and turning an updated
// git ref into a push, a deletion or a tag.

import { z } from 'zod';
import { quoted, WebhookPayloadError, type HookEvent } from './event.js';

/** A git object id. Hosts send SHA-1 ids; all zeros stands for "no object" (a created or deleted ref). */
export const sha = z.string().regex(/^[0-9a-fA-F]{40}$/, { error: 'expected a 40-hex commit sha' });
export const ZERO_SHA = '0'.repeat(40);

export function isZeroSha(s: string): boolean {
  return s === ZERO_SHA;
}

/** A name calma will use (branch, ref): the caller sanitizes it, here it only has to exist. */
export const name = z.string().min(1, { error: 'expected a non-empty string' });

/** The body read through `schema`, or a WebhookPayloadError naming every bad field. */
export function readPayload<S extends z.ZodType>(schema: S, body: unknown): z.output<S> {
  const result = schema.safeParse(body);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => `${fieldPath(issue.path)}: ${issueMessage(issue)}`);
  throw new WebhookPayloadError(problems.join('; '));
}

function fieldPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>((at, key) => (typeof key === 'number' ? `${at}[${key}]` : `${at}.${String(key)}`), 'body');
}

const typePhrases: Readonly<Record<string, string>> = {
  string: 'a string',
  number: 'a number',
  int: 'an integer',
  boolean: 'a boolean',
  object: 'an object',
  array: 'an array',
};

// zod's own wording ("Invalid input: expected string, received undefined") is replaced by
// one in calma's voice. The value received is not repeated: it comes from the request.
function issueMessage(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case 'invalid_type':
      return `expected ${typePhrases[issue.expected] ?? issue.expected}`;
    case 'invalid_value':
      return `expected ${issue.values.map((v) => JSON.stringify(v)).join(' or ')}`;
    default:
      return issue.message;
  }
}

const BRANCH_PREFIX = 'refs/heads/';
const TAG_PREFIX = 'refs/tags/';

export interface RefUpdate {
  /** The full ref, e.g. `refs/heads/main`. */
  ref: string;
  /** The ref's new value; all zeros when it was deleted. */
  after: string;
  /**
   * For a tag, the commit it points at: `after` names the tag object itself when
   * the tag is annotated, and a deployment wants the commit.
   */
  tagCommit?: string | undefined;
  created: boolean;
  repository: string;
}

/** A ref moved on the host: a branch push or deletion, a tag, or something calma ignores. */
export function refUpdateEvent(update: RefUpdate): HookEvent {
  const { ref, after, repository } = update;
  const deleted = isZeroSha(after);
  if (ref.startsWith(BRANCH_PREFIX)) {
    const branch = refName(ref, BRANCH_PREFIX);
    if (deleted) return { kind: 'branch-deleted', branch, repository };
    return { kind: 'push', branch, sha: after.toLowerCase(), repository, created: update.created };
  }
  if (ref.startsWith(TAG_PREFIX)) {
    const tag = refName(ref, TAG_PREFIX);
    if (deleted) return { kind: 'ignored', reason: `tag ${quoted(tag)} was deleted` };
    return { kind: 'tag', tag, sha: (update.tagCommit ?? after).toLowerCase(), repository };
  }
  return { kind: 'ignored', reason: 'the pushed ref is neither a branch nor a tag' };
}

function refName(ref: string, prefix: string): string {
  const rest = ref.slice(prefix.length);
  if (rest === '') throw new WebhookPayloadError(`body.ref: expected a name after ${prefix}`);
  return rest;
}

/**
 * Create and delete events name a ref by its short name (`feature/login`); the full
 * form is accepted too, in case a host version sends it.
 */
export function shortRefName(ref: string): string {
  for (const prefix of [BRANCH_PREFIX, TAG_PREFIX]) if (ref.startsWith(prefix) && ref.length > prefix.length) return ref.slice(prefix.length);
  return ref;
}
