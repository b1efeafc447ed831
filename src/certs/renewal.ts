// When to renew a certificate and when to try again after a failure. Pure:
// the daemon passes the dates and acts on the answer.

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;

/** How long before expiry a long-lived certificate is renewed. */
export const RENEW_BEFORE_MS = 30 * DAY;
/** The first wait after a failure (a CA back after a hiccup is asked again soon); each further failure doubles it … */
export const FIRST_RETRY_MS = 15_000;
/** … up to this, so a CA that is down for a day is still asked twice a day. */
export const MAX_RETRY_MS = 12 * 60 * MINUTE;

/**
 * The moment to renew: 30 days before expiry, or, for a certificate whose whole
 * lifetime is under 90 days, when a third of its lifetime is left. That is one
 * rule, `notAfter - min(30 days, lifetime / 3)`, continuous at 90 days: a
 * 90-day certificate from Let's Encrypt is renewed after 60 days, a 6-day one
 * after 4, and a test CA's 1-hour one after 40 minutes, always leaving room for
 * several retries before it expires.
 */
export function renewAt(notBefore: Date, notAfter: Date): Date {
  const lifetime = Math.max(0, notAfter.getTime() - notBefore.getTime());
  return new Date(notAfter.getTime() - Math.min(RENEW_BEFORE_MS, lifetime / 3));
}

/**
 * When to try again after `failures` consecutive failed attempts (1 for the
 * first): 15 seconds, then doubling (30 s, 1, 2, 4 … minutes), capped at 12 hours. A
 * brief outage is retried quickly; a lasting one costs the CA (and its rate
 * limits) little.
 */
export function nextAttemptAfterFailure(failures: number, now: Date): Date {
  // Clamped before the power: 2^30 minutes is far past the cap, and NaN counts as a first failure.
  const exponent = Math.max(0, Math.min(30, Math.floor(failures) - 1) || 0);
  const delay = Math.min(MAX_RETRY_MS, FIRST_RETRY_MS * 2 ** exponent);
  return new Date(now.getTime() + delay);
}
