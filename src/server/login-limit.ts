// Login throttling: after 5 failed logins within a minute from one address,
// further attempts from it are refused (429) until the oldest failure is a
// minute old. Kept in memory: a restart forgets, which only helps a user who
// locked themselves out, and guessing still costs a scrypt hash per try.
import { ApiError } from '../api/errors.js';

export class LoginLimiter {
  private readonly failures = new Map<string, number[]>();

  constructor(
    private readonly max = 5,
    private readonly windowMs = 60_000,
  ) {}

  /** Throws 429 while `address` is over its limit. */
  check(address: string, now = Date.now()): void {
    const recent = this.recent(address, now);
    if (recent.length >= this.max) {
      const wait = Math.ceil((recent[0]! + this.windowMs - now) / 1000);
      throw new ApiError('rate_limited', `too many failed logins from your address: try again in ${wait} s`);
    }
  }

  fail(address: string, now = Date.now()): void {
    this.failures.set(address, [...this.recent(address, now), now]);
    // Bounded memory under a spray from many addresses: forget the stalest first.
    if (this.failures.size > 10_000) this.failures.delete(this.failures.keys().next().value!);
  }

  succeed(address: string): void {
    this.failures.delete(address);
  }

  private recent(address: string, now: number): number[] {
    return (this.failures.get(address) ?? []).filter((t) => now - t < this.windowMs);
  }
}
