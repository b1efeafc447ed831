// Every app with its environments: URL, release serving, health, replicas and
// how the last deployment went. Refetched whenever the live feed reports a change.
import { call, type Out } from '../api.js';
import { Badge, Head, Load } from '../components.js';
import { useData } from '../data.js';
import { href } from '../router.js';

type Row = Out<'status'>[number];

export const PREVIEW_PREFIX = 'preview-';

/** Web containers of the serving release that run, of how many. */
export function Health({ row }: { row: Row }) {
  const total = row.containers.length;
  const running = row.containers.filter((c) => c.state === 'running').length;
  if (row.version === null || total === 0) return <Badge status="idle" label="not serving" />;
  return <Badge status={running === total ? 'healthy' : 'unhealthy'} label={`${running}/${total} running`} />;
}

export function Urls({ urls }: { urls: readonly string[] }) {
  if (urls.length === 0) return <span class="muted">no domain</span>;
  return (
    <span class="urls">
      {urls.map((u) => (
        <a key={u} href={u} target="_blank" rel="noopener noreferrer">
          {u.replace(/^https?:\/\//, '').replace(/\/$/, '')}
        </a>
      ))}
    </span>
  );
}

function byApp(rows: readonly Row[]): Map<string, Row[]> {
  const apps = new Map<string, Row[]>();
  for (const r of rows) apps.set(r.app, [...(apps.get(r.app) ?? []), r]);
  // production first, previews last, the rest by name.
  const rank = (env: string): number => (env === 'production' ? 0 : env.startsWith(PREVIEW_PREFIX) ? 2 : 1);
  for (const list of apps.values()) list.sort((a, b) => rank(a.env) - rank(b.env) || a.env.localeCompare(b.env));
  return new Map([...apps].sort(([a], [b]) => a.localeCompare(b)));
}

export function Apps() {
  const status = useData(() => call('status', {}), 'status');
  return (
    <>
      <h1>Apps</h1>
      <Load state={status} what="apps">
        {(data) => (data.length === 0 ? <NoApp /> : [...byApp(data)].map(([app, envs]) => <AppCard key={app} app={app} envs={envs} />))}
      </Load>
    </>
  );
}

function NoApp() {
  return (
    <p>
      No app yet. Deploy one with <code>calma deploy DIR</code> or connect a repository with <code>calma apps create APP</code>.
    </p>
  );
}

function AppCard({ app, envs }: { app: string; envs: Row[] }) {
  return (
    <section class="card" aria-labelledby={`app-${app}`} data-app={app}>
      <div class="section-head">
        <h2 id={`app-${app}`}>{app}</h2>
        <a href={href('previews', app)}>Previews</a>
      </div>
      <table class="rows">
        <Head cols={['Environment', 'URL', 'Release', 'Health', 'Replicas', 'Last deployment']} />
        <tbody>
          {envs.map((r) => (
            <tr key={r.env} data-env={r.env}>
              <th scope="row" data-label="Environment">
                <a href={href('apps', app, r.env)}>{r.env}</a>
              </th>
              <td data-label="URL">
                <Urls urls={r.urls} />
              </td>
              <td data-label="Release">
                <code>{r.version ?? '—'}</code>
              </td>
              <td data-label="Health">
                <Health row={r} />
              </td>
              <td data-label="Replicas">{r.containers.length}</td>
              <td data-label="Last deployment" class="last-deployment">
                {r.lastDeployment ? <Badge status={r.lastDeployment.status} /> : '—'}
                {r.lastDeployment?.reason && <span class="reason">{r.lastDeployment.reason}</span>}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
