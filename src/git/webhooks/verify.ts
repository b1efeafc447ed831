// Whether a webhook request really comes from the host that knows the secret.
// This runs on the raw bytes, before anything is parsed: a body is only read
// once its sender has proven it holds the secret.

import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { headerValues, type WebhookHeaders, type WebhookProvider } from './event.js';

export type Verification = { ok: true } | { ok: false; reason: string };

type Scheme =
  /** The header carries the hex HMAC-SHA256 of the body, after `prefix`. */
  | { kind: 'hmac'; header: string; prefix: string }
  /** The header carries the secret itself (GitLab's way). */
  | { kind: 'token'; header: string };

const schemes: Readonly<Record<WebhookProvider, Scheme>> = {
  github: { kind: 'hmac', header: 'X-Hub-Signature-256', prefix: 'sha256=' },
  gitea: { kind: 'hmac', header: 'X-Gitea-Signature', prefix: '' },
  generic: { kind: 'hmac', header: 'X-Calma-Signature', prefix: 'sha256=' },
  gitlab: { kind: 'token', header: 'X-Gitlab-Token' },
};

const HEX_SHA256 = /^[0-9a-fA-F]{64}$/;

export function verifyWebhook(provider: WebhookProvider, headers: WebhookHeaders, rawBody: Buffer, secret: string): Verification {
  // With an empty secret anyone can compute a valid signature: refuse rather than accept everything.
  if (secret === '') return { ok: false, reason: 'no webhook secret is configured' };
  const scheme = schemes[provider];
  const values = headerValues(headers, scheme.header);
  if (values.length === 0) return { ok: false, reason: `missing signature header ${scheme.header}` };
  if (values.length > 1) return { ok: false, reason: `more than one ${scheme.header} header` };
  const value = values[0] ?? '';

  if (scheme.kind === 'token') {
    return sameSecret(value, secret) ? { ok: true } : { ok: false, reason: `the token in ${scheme.header} is wrong` };
  }
  // The format is checked first: it is public, so refusing early reveals nothing about the secret,
  // and it keeps Buffer.from(…, 'hex') from quietly decoding a prefix of a malformed value.
  const hex = value.startsWith(scheme.prefix) ? value.slice(scheme.prefix.length) : '';
  if (!HEX_SHA256.test(hex)) {
    return { ok: false, reason: `malformed signature in ${scheme.header}: expected ${scheme.prefix}<64 hex digits>` };
  }
  const expected = createHmac('sha256', secret).update(rawBody).digest();
  return timingSafeEqual(expected, Buffer.from(hex, 'hex'))
    ? { ok: true }
    : { ok: false, reason: `the signature in ${scheme.header} does not match the body` };
}

/**
 * Constant-time equality of two strings of any lengths. Both are hashed first so
 * timingSafeEqual always compares 32 bytes: comparing lengths directly would tell
 * a caller how long the secret is.
 */
function sameSecret(given: string, secret: string): boolean {
  const digest = (s: string): Buffer => createHash('sha256').update(s, 'utf8').digest();
  return timingSafeEqual(digest(given), digest(secret));
}
