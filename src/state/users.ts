// Dashboard users. Passwords are kept as scrypt hashes (memory-hard, so a
// leaked state.db does not give passwords away cheaply), each with its own
// salt, and compared in constant time. The parameters are stored with the
// hash so they can be raised later without breaking existing users.
import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import type { Scope } from '../api/contract.js';
import { ApiError } from '../api/errors.js';
import type { Db } from './db.js';

const params = { N: 16384, r: 8, p: 1, keylen: 32 };

export interface UserInfo {
  name: string;
  scope: Scope;
  createdAt: string;
  lastLoginAt: string | null;
}

interface Row {
  name: string;
  hash: string;
  scope: string;
  created_at: string;
  last_login_at: string | null;
}

function derive(password: string, salt: Buffer, o: { N: number; r: number; p: number; keylen: number }): Promise<Buffer> {
  const options: ScryptOptions = { N: o.N, r: o.r, p: o.p, maxmem: 128 * o.N * o.r * 2 };
  return new Promise((resolve, reject) => scrypt(password, salt, o.keylen, options, (err, key) => (err ? reject(err) : resolve(key))));
}

export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await derive(password, salt, params);
  return ['scrypt', params.N, params.r, params.p, salt.toString('base64url'), key.toString('base64url')].join('$');
}

export async function checkPassword(password: string, stored: string): Promise<boolean> {
  const [kind, n, r, p, salt, key] = stored.split('$');
  if (kind !== 'scrypt' || !salt || !key) return false;
  const expected = Buffer.from(key, 'base64url');
  const got = await derive(password, Buffer.from(salt, 'base64url'), { N: Number(n), r: Number(r), p: Number(p), keylen: expected.length });
  return timingSafeEqual(got, expected);
}

// A fixed hash to check against when the user does not exist, so an unknown
// name takes as long as a wrong password and does not reveal which names exist.
let decoy: Promise<string> | undefined;

export class Users {
  constructor(private readonly db: Db) {}

  list(): UserInfo[] {
    return (this.db.prepare('SELECT * FROM users ORDER BY name').all() as Row[]).map(toInfo);
  }

  /** Adds a user, or sets the password and scope of an existing one. */
  async set(name: string, password: string, scope: Scope): Promise<UserInfo> {
    const hash = await hashPassword(password);
    const now = new Date().toISOString();
    this.db
      .prepare('INSERT INTO users (name, hash, scope, created_at) VALUES (?, ?, ?, ?) ON CONFLICT (name) DO UPDATE SET hash = excluded.hash, scope = excluded.scope')
      .run(name, hash, scope, now);
    // A new password ends every session opened with the old one.
    this.db.prepare('DELETE FROM sessions WHERE user = ?').run(name);
    return toInfo(this.db.prepare('SELECT * FROM users WHERE name = ?').get(name) as Row);
  }

  remove(name: string): void {
    const r = this.db.prepare('DELETE FROM users WHERE name = ?').run(name);
    if (r.changes === 0) throw new ApiError('not_found', `no user "${name}" (see \`calma users list\`)`);
    this.db.prepare('DELETE FROM sessions WHERE user = ?').run(name);
  }

  /** The user if the password is theirs; undefined otherwise (same work either way). */
  async verify(name: string, password: string): Promise<UserInfo | undefined> {
    const row = this.db.prepare('SELECT * FROM users WHERE name = ?').get(name) as Row | undefined;
    if (!row) {
      await checkPassword(password, await (decoy ??= hashPassword(randomBytes(16).toString('hex'))));
      return undefined;
    }
    if (!(await checkPassword(password, row.hash))) return undefined;
    const now = new Date().toISOString();
    this.db.prepare('UPDATE users SET last_login_at = ? WHERE name = ?').run(now, name);
    return toInfo({ ...row, last_login_at: now });
  }

  get(name: string): UserInfo | undefined {
    const row = this.db.prepare('SELECT * FROM users WHERE name = ?').get(name) as Row | undefined;
    return row ? toInfo(row) : undefined;
  }
}

function toInfo(r: Row): UserInfo {
  return { name: r.name, scope: r.scope as Scope, createdAt: r.created_at, lastLoginAt: r.last_login_at };
}
