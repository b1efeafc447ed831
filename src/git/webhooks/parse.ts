// From a verified webhook request to what calma should do about it. Call
// verifyWebhook on the raw bytes first: nothing here authenticates anything.

import type { HookEvent, WebhookHeaders, WebhookProvider } from './event.js';
import { parseGeneric } from './generic.js';
import { parseGitea } from './gitea.js';
import { parseGitHub } from './github.js';
import { parseGitLab } from './gitlab.js';

const parsers: Readonly<Record<WebhookProvider, (headers: WebhookHeaders, body: unknown) => HookEvent>> = {
  github: parseGitHub,
  gitlab: parseGitLab,
  gitea: parseGitea,
  generic: parseGeneric,
};

/**
 * The event a provider's request describes. `body` is the JSON-parsed request body.
 * Events and actions calma does not act on give `ignored`; a payload missing a field
 * calma needs throws a WebhookPayloadError naming that field.
 */
export function parseWebhook(provider: WebhookProvider, headers: WebhookHeaders, body: unknown): HookEvent {
  return parsers[provider](headers, body);
}
