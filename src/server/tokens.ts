// API tokens for remote (TCP) use. A token is shown once, at creation; the
// database keeps only its sha256, so a leaked state.db does not leak working
// tokens. Lookup is by hash: the attacker-controlled token is hashed before it
// is compared, so no timing-sensitive string comparison of secrets happens.
import { createHash, randomBytes } from 'node:crypto';
import type { Scope } from '../api/contract.js';
import { ApiError } from '../api/errors.js';
import type { Db } from '../state/db.js';

const prefix = 'calma_';

export interface TokenInfo {
  id: string;
  name: string;
  scope: Scope;
  /** The one app this token may see and change; null means every app. */
  app: string | null;
  createdAt: string;
  lastUsedAt: string | null;
  expiresAt: string | null;
}

interface Row {
  id: string;
  name: string;
  scope: string;
  app: string | null;
  created_at: string;
  last_used_at: string | null;
  expires_at: string | null;
}

function toInfo(r: Row): TokenInfo {
  return { id: r.id, name: r.name, scope: r.scope as Scope, app: r.app, createdAt: r.created_at, lastUsedAt: r.last_used_at, expiresAt: r.expires_at };
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** Creates a token; the returned `token` is the only time its value exists outside the caller. */
export function createToken(db: Db, opts: { name: string; scope: Scope; app?: string | undefined; expiresInDays?: number | undefined }): TokenInfo & { token: string } {
  const token = prefix + randomBytes(32).toString('base64url');
  const id = randomBytes(4).toString('hex');
  const now = Date.now();
  const createdAt = new Date(now).toISOString();
  const expiresAt = opts.expiresInDays ? new Date(now + opts.expiresInDays * 86_400_000).toISOString() : null;
  db.prepare('INSERT INTO tokens (id, name, hash, scope, app, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?)').run(
    id,
    opts.name,
    hashToken(token),
    opts.scope,
    opts.app ?? null,
    createdAt,
    expiresAt,
  );
  return { id, name: opts.name, scope: opts.scope, app: opts.app ?? null, createdAt, lastUsedAt: null, expiresAt, token };
}

export function listTokens(db: Db): TokenInfo[] {
  const rows = db.prepare('SELECT id, name, scope, app, created_at, last_used_at, expires_at FROM tokens ORDER BY created_at, id').all() as Row[];
  return rows.map(toInfo);
}

/** Revokes (deletes) a token; an unknown id is the user's mistake, not a silent no-op. */
export function revokeToken(db: Db, id: string): void {
  const r = db.prepare('DELETE FROM tokens WHERE id = ?').run(id);
  if (r.changes === 0) throw new ApiError('not_found', `no token with id "${id}" (see \`calma tokens list\`)`);
}

/** The token's record if it is valid, and marks it used; undefined for anything else. */
export function verifyToken(db: Db, token: string): TokenInfo | undefined {
  if (!token.startsWith(prefix)) return undefined;
  const row = db.prepare('SELECT id, name, scope, app, created_at, last_used_at, expires_at FROM tokens WHERE hash = ?').get(hashToken(token)) as Row | undefined;
  if (!row) return undefined;
  if (row.expires_at !== null && Date.parse(row.expires_at) <= Date.now()) return undefined;
  const now = new Date().toISOString();
  db.prepare('UPDATE tokens SET last_used_at = ? WHERE id = ?').run(now, row.id);
  return toInfo({ ...row, last_used_at: now });
}
