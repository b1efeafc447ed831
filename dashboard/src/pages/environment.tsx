// One environment of an app: what serves it now, its pipelines, the releases
// it went through (roll back to one), its deployments step by step, its
// backups (restore one) and its certificate. Releases and deployments name who
// made them (a user, a token, a git push, the local CLI).
import { useState } from 'preact/hooks';
import { call, can, stream, type Out, type Session } from '../api.js';
import { ActionPanel, lineOf, useAction } from '../action.js';
import { Ago, Badge, Confirm, ErrorLine, Head, Load, Loading, Section } from '../components.js';
import { useData, useTick } from '../data.js';
import type { StateEvent } from '../live.js';
import { between, bytes, duration, shortSha, when } from '../format.js';
import { href } from '../router.js';
import { Health, Urls } from './apps.js';
import { CertState, expiry } from './certs.js';
import { PipelineRows } from './pipeline.js';

type Release = Out<'releases'>[number];
type Backup = Out<'backups'>[number];
type Deployment = Out<'deployments'>[number];
type PipelineRow = Out<'pipelines'>[number];

export function Environment({ app, env, session }: { app: string; env: string; session: Session }) {
  const key = `${app}/${env}`;
  // Each list is refetched on the live events of this environment that change it.
  const on =
    (...types: Array<StateEvent['type']>) =>
    (e: StateEvent): boolean =>
      'app' in e && e.app === app && e.env === env && types.includes(e.type);
  const status = useData(() => call('status', {}).then((rows) => ({ row: rows.find((r) => r.app === app && r.env === env) })), key, on('deployment', 'preview', 'cert'));
  const releases = useData(() => call('releases', { params: { app }, query: { env } }), key, on('deployment'));
  const deployments = useData(() => call('deployments', { params: { app }, query: { env } }), key, on('deployment'));
  const pipelines = useData(() => call('pipelines', { params: { app } }).then((ps) => ps.filter((p) => p.env === env)), key, on('pipeline', 'deployment'));
  // Backups change with backup events (taken, verified, removed) and with the deployments that take them.
  const backups = useData(() => call('backups', { params: { app }, query: { env } }), key, on('backup', 'deployment'));
  const certs = useData(() => call('certs', { query: { app } }).then((cs) => cs.filter((c) => c.env === env)), key, on('cert'));
  const who = whoOf(deployments.data ?? [], pipelines.data ?? []);
  const reloadAll = (): void => [status, releases, deployments, pipelines, backups, certs].forEach((d) => d.reload());
  const action = useAction(reloadAll);
  const [rollbackTo, setRollbackTo] = useState<Release>();
  const [restoreFrom, setRestoreFrom] = useState<Backup>();
  const mayDeploy = can(session, 'deploy');
  useTick(10_000);

  const rollback = (r: Release): void => {
    setRollbackTo(undefined);
    void action.run(`Rollback to ${r.version}`, (line) =>
      stream('rollback', { params: { app }, body: { env, release: r.version } }, (e) => {
        const l = lineOf(e);
        if (l !== undefined) line(l);
      }),
    );
  };
  const restore = (b: Backup): void => {
    setRestoreFrom(undefined);
    void action.run(`Restore of ${b.id}`, (line) =>
      stream('restore', { params: { app }, body: { env, backup: b.id } }, (e) => {
        const l = lineOf(e);
        if (l !== undefined) line(l);
      }),
    );
  };

  const row = status.data?.row;
  return (
    <>
      <nav aria-label="breadcrumb" class="crumbs">
        <a href="#/">Apps</a> / <span>{app}</span>
      </nav>
      <h1>
        {app} <span class="muted">/</span> {env}
      </h1>
      <ErrorLine message={status.error} />
      {row && (
        <dl class="facts">
          <div>
            <dt>URL</dt>
            <dd>
              <Urls urls={row.urls} />
            </dd>
          </div>
          <div>
            <dt>Release</dt>
            <dd>
              <code data-testid="serving-version">{row.version ?? '—'}</code>
            </dd>
          </div>
          <div>
            <dt>Health</dt>
            <dd>
              <Health row={row} />
            </dd>
          </div>
          <div>
            <dt>Replicas</dt>
            <dd>{row.containers.length}</dd>
          </div>
        </dl>
      )}
      {status.data === undefined && !status.error && <Loading what="status" />}
      {status.data && !row && <p class="muted">Nothing is deployed to this environment (or it was removed).</p>}

      <ActionPanel state={action.state} onClose={action.clear} />

      <Section title="Pipelines">
        <Load state={pipelines} what="pipelines">
          {(rows) => <PipelineRows app={app} rows={rows.slice(0, 10)} />}
        </Load>
      </Section>

      <Section title="Releases">
        <Load state={releases} what="releases">
          {(rows) => <Releases rows={rows} who={who} canRollback={mayDeploy && !action.busy} onRollback={setRollbackTo} />}
        </Load>
      </Section>

      <Section title="Deployments">
        <Load state={deployments} what="deployments">
          {(rows) => <Deployments app={app} rows={rows.slice(0, 20)} pipelines={pipelines.data ?? []} who={who} />}
        </Load>
      </Section>

      <Section title="Backups">
        <Load state={backups} what="backups">
          {(rows) => <Backups rows={rows} canRestore={mayDeploy && !action.busy} onRestore={setRestoreFrom} />}
        </Load>
      </Section>

      <Section title="Certificate">
        <Load state={certs} what="certificate">
          {(rows) => <Certificate rows={rows} />}
        </Load>
      </Section>

      {rollbackTo && (
        <Confirm title={`Roll back ${app}/${env}?`} confirm={`Roll back to ${rollbackTo.version}`} danger onConfirm={() => rollback(rollbackTo)} onCancel={() => setRollbackTo(undefined)}>
          <p>
            Release <code>{rollbackTo.version}</code> ({shortSha(rollbackTo.commit) || 'no commit'}
            {rollbackTo.branch ? ` on ${rollbackTo.branch}` : ''}, deployed {when(rollbackTo.deployedAt)}) is started again beside the serving one, health-checked, and
            switched to. The data stays as it is.
          </p>
        </Confirm>
      )}
      {restoreFrom && (
        <Confirm title={`Restore ${app}/${env}?`} confirm={`Restore ${restoreFrom.id}`} danger onConfirm={() => restore(restoreFrom)} onCancel={() => setRestoreFrom(undefined)}>
          <p>
            The app is stopped, its volumes replaced by the backup <code>{restoreFrom.id}</code> of {when(restoreFrom.createdAt)} (release {restoreFrom.release}) and its dumps replayed,
            then it starts again. Changes made since are lost.
          </p>
        </Confirm>
      )}
    </>
  );
}

interface Who {
  deployment: (d: Deployment) => string | null;
  release: (r: Release) => string | null;
}

/**
 * Who made a deployment or put a release live. A deployment run by a pipeline
 * may not carry its actor (the daemon records it on the pipeline): the
 * pipeline that links to it says who started it.
 */
function whoOf(deployments: readonly Deployment[], pipelines: readonly PipelineRow[]): Who {
  const byDeployment = new Map(pipelines.filter((p) => p.deploymentId).map((p) => [p.deploymentId!, p.actor]));
  const deployment = (d: Deployment): string | null => d.by ?? byDeployment.get(d.id) ?? null;
  return {
    deployment,
    release: (r) => {
      if (r.by) return r.by;
      // Deployments come newest first: the latest that put this release live.
      const d = deployments.find((x) => x.version === r.version && x.status === 'succeeded');
      return d ? deployment(d) : null;
    },
  };
}

function Tags({ tags }: { tags: readonly string[] }) {
  if (tags.length === 0) return null;
  return (
    <span class="tags" aria-label="git tags">
      {tags.map((t) => (
        <code key={t} class="tag">
          {t}
        </code>
      ))}
    </span>
  );
}

function Releases({ rows, who, canRollback, onRollback }: { rows: readonly Release[]; who: Who; canRollback: boolean; onRollback: (r: Release) => void }) {
  if (rows.length === 0) return <p class="muted">No release has gone live here yet.</p>;
  return (
    <table class="rows">
      <Head cols={['Release', 'Commit', 'Branch', 'Deployed', 'By', '']} />
      <tbody>
        {rows.map((r) => (
          <tr key={r.version} class={r.current ? 'current' : undefined} data-release={r.version}>
            <th scope="row" data-label="Release">
              <code>{r.version}</code> <Tags tags={r.tags} /> {r.current && <Badge status="live" label="current" />}
            </th>
            <td data-label="Commit">
              <code title={r.commit}>{shortSha(r.commit) || '—'}</code>
            </td>
            <td data-label="Branch">{r.branch || '—'}</td>
            <td data-label="Deployed">
              <Ago at={r.deployedAt} />
            </td>
            <td data-label="By" data-by>
              {who.release(r) ?? '—'}
            </td>
            <td data-label="Action">
              {!r.current &&
                (r.available ? (
                  <button type="button" disabled={!canRollback} onClick={() => onRollback(r)} aria-label={`Roll back to ${r.version}`}>
                    Roll back
                  </button>
                ) : (
                  <span class="muted" title="its image is no longer on this host">
                    image removed
                  </span>
                ))}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function Deployments({ app, rows, pipelines, who }: { app: string; rows: readonly Deployment[]; pipelines: readonly PipelineRow[]; who: Who }) {
  if (rows.length === 0) return <p class="muted">No deployment yet.</p>;
  const byDeployment = new Map(pipelines.filter((p) => p.deploymentId).map((p) => [p.deploymentId!, p]));
  return (
    <ul class="deployments">
      {rows.map((d) => {
        const p = byDeployment.get(d.id);
        const by = who.deployment(d);
        return (
          <li key={d.id} class="card" data-deployment={d.id}>
            <div class="section-head">
              <h3>
                {d.kind} <code>{d.version}</code> <Badge status={d.status} />
              </h3>
              <span class="muted">
                <Ago at={d.startedAt} /> · {between(d.startedAt, d.finishedAt)}
              </span>
            </div>
            <p class="muted small">
              <code>{d.id}</code>
              {by && (
                <>
                  {' '}
                  · by <span data-by>{by}</span>
                </>
              )}
              {p && (
                <>
                  {' '}
                  · triggered by {p.trigger}
                  {p.branch ? ` (${p.branch})` : ''} · <a href={href('pipelines', app, p.id)}>pipeline {p.id}</a>
                </>
              )}
            </p>
            {d.reason && <p class="reason">{d.reason}</p>}
            {d.steps.length > 0 && (
              <ol class="steps" aria-label={`steps of ${d.id}`}>
                {d.steps.map((s, i) => (
                  <li key={i}>
                    <Badge status={s.status} label={s.step} /> <span class="muted">{duration(s.ms)}</span>
                  </li>
                ))}
              </ol>
            )}
          </li>
        );
      })}
    </ul>
  );
}

function Backups({ rows, canRestore, onRestore }: { rows: readonly Backup[]; canRestore: boolean; onRestore: (b: Backup) => void }) {
  if (rows.length === 0) return <p class="muted">No backup yet (one is taken before each deployment when calma.yml says what to keep).</p>;
  return (
    <table class="rows">
      <Head cols={['Backup', 'Kind', 'Release', 'Taken', 'Size', 'Verified', '']} />
      <tbody>
        {rows.map((b) => (
          <tr key={b.id} data-backup={b.id}>
            <th scope="row" data-label="Backup">
              <code>{b.id}</code>
            </th>
            <td data-label="Kind">{b.kind}</td>
            <td data-label="Release">
              <code>{b.release}</code>
            </td>
            <td data-label="Taken">
              <Ago at={b.createdAt} /> <span class="muted">({duration(b.durationMs)})</span>
            </td>
            <td data-label="Size">{bytes(b.bytes)}</td>
            <td data-label="Verified">{b.verifyError ? <Badge status="failed" label={b.verifyError} /> : b.verifiedAt ? <Badge status="succeeded" label="verified" /> : '—'}</td>
            <td data-label="Action">
              <button type="button" disabled={!canRestore} onClick={() => onRestore(b)} aria-label={`Restore ${b.id}`}>
                Restore
              </button>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function Certificate({ rows }: { rows: ReadonlyArray<Out<'certs'>[number]> }) {
  const c = rows[0];
  if (!c) return <p class="muted">No certificate: this environment is served over HTTP only (it has no domains, or none that ACME can reach yet).</p>;
  return (
    <dl class="facts">
      <div>
        <dt>Names</dt>
        <dd>{c.names.join(', ') || '—'}</dd>
      </div>
      <div>
        <dt>Issuer</dt>
        <dd>{c.issuer ?? '—'}</dd>
      </div>
      <div>
        <dt>Expires</dt>
        <dd>{expiry(c)}</dd>
      </div>
      <div>
        <dt>Renewal</dt>
        <dd>
          <CertState cert={c} />
        </dd>
      </div>
    </dl>
  );
}
