// Every certificate calma holds: names, expiry, and how its renewal goes
// (the last error, failures in a row, the next attempt).
import { useState } from 'preact/hooks';
import { call, can, messageOf, type Out, type Session } from '../api.js';
import { Ago, Badge, ErrorLine, Head, Load } from '../components.js';
import { useData, useTick } from '../data.js';
import { ago, when } from '../format.js';
import { href } from '../router.js';

type Cert = Out<'certs'>[number];

const DAY = 86_400_000;

export function expiry(c: Cert) {
  if (!c.notAfter) return <span class="muted">not issued yet</span>;
  const left = Date.parse(c.notAfter) - Date.now();
  const status = left <= 0 ? 'expired' : left < 14 * DAY ? 'running' : 'valid';
  return (
    <span>
      <time dateTime={c.notAfter}>{when(c.notAfter)}</time> <Badge status={status} label={left <= 0 ? 'expired' : `${ago(c.notAfter).replace(/^in /, '')} left`} />
    </span>
  );
}

export function CertState({ cert: c }: { cert: Cert }) {
  return (
    <span class="cert-state">
      {c.lastError ? <Badge status="failed" label={`failing (${c.failures}×)`} /> : <Badge status={c.notAfter ? 'succeeded' : 'queued'} label={c.notAfter ? 'ok' : 'pending'} />}
      {c.lastError && <span class="reason">{c.lastError}</span>}
      <span class="muted small">
        source {c.source}; last attempt <Ago at={c.lastAttemptAt} />; next {c.nextAttemptAt ? <Ago at={c.nextAttemptAt} /> : '—'}
      </span>
    </span>
  );
}

export function Certs({ session }: { session: Session }) {
  const certs = useData(() => call('certs', {}), 'certs');
  const [renewing, setRenewing] = useState<string>();
  const [error, setError] = useState<string>();
  useTick(30_000);

  const renew = (c: Cert): void => {
    setRenewing(`${c.app}/${c.env}`);
    setError(undefined);
    call('certsRenew', { params: { app: c.app, env: c.env } })
      .then((r) => r.lastError && setError(`${c.app}/${c.env}: ${r.lastError}`))
      .catch((e: unknown) => setError(messageOf(e)))
      .finally(() => {
        setRenewing(undefined);
        certs.reload();
      });
  };

  return (
    <>
      <h1>Certificates</h1>
      <ErrorLine message={error} />
      <Load state={certs} what="certificates">
        {(rows) =>
          rows.length === 0 ? (
            <p class="muted">No certificate yet: environments with domains get one from ACME once the daemon runs with an ACME directory.</p>
          ) : (
            <CertTable rows={rows} mayRenew={can(session, 'deploy')} renewing={renewing} onRenew={renew} />
          )
        }
      </Load>
    </>
  );
}

function CertTable({ rows, mayRenew, renewing, onRenew }: { rows: readonly Cert[]; mayRenew: boolean; renewing: string | undefined; onRenew: (c: Cert) => void }) {
  return (
    <table class="rows">
      <Head cols={['Environment', 'Names', 'Expires', 'Renewal', '']} />
      <tbody>
        {[...rows].sort((a, b) => (a.notAfter ?? '').localeCompare(b.notAfter ?? '')).map((c) => (
          <tr key={`${c.app}/${c.env}`}>
            <th scope="row" data-label="Environment">
              <a href={href('apps', c.app, c.env)}>
                {c.app}/{c.env}
              </a>
            </th>
            <td data-label="Names">{c.names.join(', ')}</td>
            <td data-label="Expires">{expiry(c)}</td>
            <td data-label="Renewal">
              <CertState cert={c} />
            </td>
            <td data-label="Action">
              {mayRenew && c.source === 'acme' && (
                <button type="button" disabled={renewing !== undefined} onClick={() => onRenew(c)} aria-label={`Renew the certificate of ${c.app}/${c.env} now`}>
                  {renewing === `${c.app}/${c.env}` ? 'Renewing…' : 'Renew now'}
                </button>
              )}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
