// The index of certificates (the PEM files are under $CALMA_HOME/certs).
import type { Db } from './db.js';
import type { StateFeed } from './feed.js';

export interface CertRow {
  app: string;
  env: string;
  source: 'acme' | 'custom';
  names: string[];
  serial: string | null;
  issuer: string | null;
  notBefore: string | null;
  notAfter: string | null;
  lastAttemptAt: string | null;
  lastError: string | null;
  failures: number;
  nextAttemptAt: string | null;
}

interface Raw extends Omit<CertRow, 'names'> {
  names: string;
}

const COLUMNS = `app, env, source, names, serial, issuer, not_before AS notBefore, not_after AS notAfter, last_attempt_at AS lastAttemptAt,
  last_error AS lastError, failures, next_attempt_at AS nextAttemptAt`;

const parse = (r: Raw): CertRow => ({ ...r, names: JSON.parse(r.names) as string[] });

export class CertStore {
  constructor(
    private readonly db: Db,
    private readonly feed?: StateFeed,
  ) {}

  get(app: string, env: string): CertRow | undefined {
    const r = this.db.prepare(`SELECT ${COLUMNS} FROM certs WHERE app = ? AND env = ?`).get(app, env) as Raw | undefined;
    return r ? parse(r) : undefined;
  }

  list(app?: string): CertRow[] {
    const rows = (app === undefined ? this.db.prepare(`SELECT ${COLUMNS} FROM certs ORDER BY app, env`).all() : this.db.prepare(`SELECT ${COLUMNS} FROM certs WHERE app = ? ORDER BY env`).all(app)) as Raw[];
    return rows.map(parse);
  }

  /** A certificate now in place (issued, renewed or added): its facts, and the failures forgotten. */
  installed(app: string, env: string, c: { source: CertRow['source']; names: string[]; serial: string; issuer: string; notBefore: string; notAfter: string }): void {
    const now = new Date().toISOString();
    this.db
      .prepare(
        `INSERT INTO certs (app, env, source, names, serial, issuer, not_before, not_after, last_attempt_at, last_error, failures, next_attempt_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, 0, NULL)
         ON CONFLICT (app, env) DO UPDATE SET source = excluded.source, names = excluded.names, serial = excluded.serial, issuer = excluded.issuer,
           not_before = excluded.not_before, not_after = excluded.not_after, last_attempt_at = excluded.last_attempt_at, last_error = NULL, failures = 0, next_attempt_at = NULL`,
      )
      .run(app, env, c.source, JSON.stringify(c.names), c.serial, c.issuer, c.notBefore, c.notAfter, now);
    this.feed?.cert({ app, env, status: 'installed' });
  }

  /** An attempt that failed: kept with the certificate in place (if any), retried after `next`. */
  failed(app: string, env: string, names: string[], error: string, next: Date): void {
    const now = new Date().toISOString();
    this.db
      .prepare(
        `INSERT INTO certs (app, env, source, names, last_attempt_at, last_error, failures, next_attempt_at) VALUES (?, ?, 'acme', ?, ?, ?, 1, ?)
         ON CONFLICT (app, env) DO UPDATE SET last_attempt_at = excluded.last_attempt_at, last_error = excluded.last_error, failures = certs.failures + 1,
           next_attempt_at = excluded.next_attempt_at`,
      )
      .run(app, env, JSON.stringify(names), now, error, next.toISOString());
    this.feed?.cert({ app, env, status: 'failed' });
  }

  remove(app: string, env?: string): void {
    if (env === undefined) this.db.prepare('DELETE FROM certs WHERE app = ?').run(app);
    else if (this.db.prepare('DELETE FROM certs WHERE app = ? AND env = ?').run(app, env).changes > 0) this.feed?.cert({ app, env, status: 'removed' });
  }
}
