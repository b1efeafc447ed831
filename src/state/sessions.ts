// Dashboard sessions. The cookie carries a random id; the database keeps its
// sha256 (a leaked state.db opens no session) with the session's CSRF token
// and expiry. Sessions last 12 hours from login.
import { createHash, randomBytes } from 'node:crypto';
import type { Db } from './db.js';

export const sessionLifetimeMs = 12 * 3600 * 1000;

export interface Session {
  user: string;
  csrf: string;
  expiresAt: string;
}

const hashOf = (id: string): string => createHash('sha256').update(id, 'utf8').digest('hex');

export class Sessions {
  constructor(private readonly db: Db) {}

  /** Opens a session; the returned id goes into the cookie and is not kept anywhere else. */
  open(user: string, now = Date.now()): { id: string; session: Session } {
    const id = randomBytes(32).toString('base64url');
    const session = { user, csrf: randomBytes(24).toString('base64url'), expiresAt: new Date(now + sessionLifetimeMs).toISOString() };
    this.db.prepare('DELETE FROM sessions WHERE expires_at < ?').run(new Date(now).toISOString());
    this.db.prepare('INSERT INTO sessions (hash, user, csrf, created_at, expires_at) VALUES (?, ?, ?, ?, ?)').run(hashOf(id), user, session.csrf, new Date(now).toISOString(), session.expiresAt);
    return { id, session };
  }

  /** The live session for a cookie's id, or undefined (unknown, expired or its user removed). */
  find(id: string, now = Date.now()): Session | undefined {
    const row = this.db.prepare('SELECT user, csrf, expires_at FROM sessions WHERE hash = ?').get(hashOf(id)) as { user: string; csrf: string; expires_at: string } | undefined;
    if (!row || Date.parse(row.expires_at) <= now) return undefined;
    return { user: row.user, csrf: row.csrf, expiresAt: row.expires_at };
  }

  close(id: string): void {
    this.db.prepare('DELETE FROM sessions WHERE hash = ?').run(hashOf(id));
  }
}
