// The daemon's certificates: for every environment that wants HTTPS, get one
// (ACME HTTP-01, answered by the edge), renew it when due, retry failures
// with backoff, and hand the edge the files to serve. An ACME failure never
// takes a site down: the environment stays on HTTP (or on its current
// certificate) and calma keeps trying; `calma certs` says how it went.
import { acmeClient } from '../certs/account.js';
import { covers, keyMatchesCert, readCertInfo } from '../certs/cert-info.js';
import { issueCertificate } from '../certs/issue.js';
import { nextAttemptAfterFailure, renewAt } from '../certs/renewal.js';
import { readCert, writeCert } from '../certs/store.js';
import { errorMessage, UserError } from '../errors.js';
import type { CertRow, CertStore } from '../state/certs.js';
import { coversAll, planCert } from './plan.js';

export const LETS_ENCRYPT = 'https://acme-v02.api.letsencrypt.org/directory';
export const LETS_ENCRYPT_STAGING = 'https://acme-staging-v02.api.letsencrypt.org/directory';

export interface AcmeSettings {
  directoryUrl: string;
  email?: string;
  /** PEM of a CA to trust for the directory (a private ACME server). */
  caBundlePem?: string;
  /** Skip acme-client's own pre-check of the challenge (it uses the system resolver). */
  skipChallengeVerification?: boolean;
}

export interface CertManagerDeps {
  home: string;
  store: CertStore;
  acme: AcmeSettings;
  challengeDir: string;
  log: (msg: string, fields?: Record<string, unknown>) => void;
  /** Called once a certificate is in place: the edge re-renders the environment with it. */
  installed: (app: string, env: string) => Promise<void>;
}

interface Wanted {
  app: string;
  env: string;
  domains: string[];
  https: boolean;
}

/** How often what is due (a renewal, a retry) is looked for: in memory and a row each, cheap for a thousand apps. */
const TICK_MS = 5_000;

export class CertManager {
  private readonly wanted = new Map<string, Wanted>();
  private readonly busy = new Map<string, Promise<void>>();
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly deps: CertManagerDeps) {}

  private get publicDirectory(): boolean {
    return this.deps.acme.directoryUrl === LETS_ENCRYPT || this.deps.acme.directoryUrl === LETS_ENCRYPT_STAGING;
  }

  /** The files to serve for the environment, read from disk: a pair that covers all its names and has not expired. */
  tlsFor(app: string, env: string, domains: readonly string[]): { certificate: string; key: string } | undefined {
    const files = readCert(this.deps.home, app, env);
    if (!files) return undefined;
    const info = readCertInfo(files.certPem);
    if (info.notAfter <= new Date() || !coversAll(info.names, domains)) return undefined;
    return { certificate: files.paths.cert, key: files.paths.key };
  }

  /** What an environment serves now; its certificate is seen to in the background. */
  want(app: string, env: string, domains: readonly string[], https: boolean): void {
    this.wanted.set(`${app}/${env}`, { app, env, domains: [...domains], https });
    void this.check(app, env);
  }

  forget(app: string, env: string): void {
    this.wanted.delete(`${app}/${env}`);
  }

  /** Checks every environment every 5 s (only what is due acts). */
  start(): void {
    this.timer = setInterval(() => void this.checkAll(), TICK_MS);
    this.timer.unref();
  }

  /** Stops checking and waits for attempts under way (they write to the state, which closes next). */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.wanted.clear();
    await Promise.all([...this.busy.values()].map((p) => p.catch(() => undefined)));
  }

  async checkAll(): Promise<void> {
    await Promise.all([...this.wanted.values()].map((w) => this.check(w.app, w.env)));
  }

  /** One environment: at most one attempt at a time; resolves when it is done. */
  check(app: string, env: string, force = false): Promise<void> {
    const key = `${app}/${env}`;
    const running = this.busy.get(key);
    if (running) return running.then(() => (force ? this.check(app, env, true) : undefined));
    const run = this.attempt(app, env, force).finally(() => this.busy.delete(key));
    this.busy.set(key, run);
    return run;
  }

  /** One's own certificate for an environment, checked before it replaces anything; ACME leaves it alone. */
  async addCustom(app: string, env: string, domains: readonly string[], certPem: string, keyPem: string): Promise<CertRow> {
    let info: ReturnType<typeof readCertInfo>;
    try {
      info = readCertInfo(certPem);
    } catch (e) {
      throw new UserError(`the certificate is not a PEM X.509 certificate: ${errorMessage(e)}`);
    }
    if (!keyMatchesCert(certPem, keyPem)) throw new UserError('the key does not belong to the certificate');
    if (info.notAfter <= new Date()) throw new UserError(`the certificate expired on ${info.notAfter.toISOString()}`);
    const uncovered = domains.filter((d) => !covers(info.names, d));
    if (uncovered.length > 0) throw new UserError(`the certificate (${info.names.join(', ') || 'no DNS names'}) does not cover ${uncovered.join(', ')}`);
    // An ACME attempt under way finishes first, so it cannot write over this one.
    await this.busy.get(`${app}/${env}`)?.catch(() => undefined);
    // Recorded first (so a renewal in flight no longer replaces it), then served.
    this.deps.store.installed(app, env, { source: 'custom', names: info.names, serial: info.serial, issuer: info.issuer, notBefore: info.notBefore.toISOString(), notAfter: info.notAfter.toISOString() });
    writeCert(this.deps.home, app, env, { certPem, keyPem });
    await this.deps.installed(app, env);
    this.deps.log('custom certificate installed', { app, env, serial: info.serial, notAfter: info.notAfter.toISOString() });
    return this.deps.store.get(app, env)!;
  }

  /** `calma certs renew`: an attempt now; the row says how it went. */
  async renewNow(app: string, env: string): Promise<CertRow | undefined> {
    if (!this.wanted.has(`${app}/${env}`)) throw new UserError(`${app}/${env} is not served by this daemon`);
    await this.check(app, env, true);
    return this.deps.store.get(app, env);
  }

  private async attempt(app: string, env: string, force: boolean): Promise<void> {
    const w = this.wanted.get(`${app}/${env}`);
    if (!w) return;
    const row = this.deps.store.get(app, env);
    const due = row?.notAfter && row.notBefore ? renewAt(new Date(row.notBefore), new Date(row.notAfter)) : undefined;
    const action = planCert({ https: w.https, domains: w.domains, publicDirectory: this.publicDirectory, row, renewAt: due, now: new Date(), force });
    if (action.kind === 'refuse') {
      if (row?.lastError !== action.why) {
        this.deps.store.failed(app, env, w.domains, action.why, new Date(Date.now() + 12 * 3600_000));
        this.deps.log('certificate refused', { app, env, reason: action.why });
      }
      return;
    }
    if (action.kind !== 'issue') return;
    this.deps.log('certificate requested', { app, env, reason: action.reason, names: w.domains.join(',') });
    try {
      const client = await acmeClient(this.deps.home, this.deps.acme);
      const issued = await issueCertificate(client, { domains: w.domains, challengeDir: this.deps.challengeDir, ...(this.deps.acme.skipChallengeVerification ? { skipChallengeVerification: true } : {}) });
      writeCert(this.deps.home, app, env, issued);
      // Served first, recorded second: what `calma certs` shows is what the edge serves.
      await this.deps.installed(app, env);
      const info = readCertInfo(issued.certPem);
      this.deps.store.installed(app, env, { source: 'acme', names: info.names, serial: info.serial, issuer: info.issuer, notBefore: info.notBefore.toISOString(), notAfter: info.notAfter.toISOString() });
      this.deps.log('certificate installed', { app, env, serial: info.serial, notAfter: info.notAfter.toISOString() });
    } catch (e) {
      const failures = (row?.failures ?? 0) + 1;
      const next = nextAttemptAfterFailure(failures, new Date());
      const why = errorMessage(e).split('\n')[0]!;
      this.deps.store.failed(app, env, w.domains, why, next);
      this.deps.log('certificate request failed, retrying later', { app, env, error: why, failures, retryAt: next.toISOString() });
    }
  }
}
