// An app's preview environments (one per branch): URL, branch, age, and a
// button that tears one down now.
import { useState } from 'preact/hooks';
import { call, can, messageOf, type Out, type Session } from '../api.js';
import { Ago, Confirm, ErrorLine, Head, Load } from '../components.js';
import { useData, useTick } from '../data.js';
import { shortSha } from '../format.js';
import { href } from '../router.js';
import { Urls } from './apps.js';

type Preview = Out<'previews'>[number];

export function Previews({ app, session }: { app: string; session: Session }) {
  const previews = useData(() => call('previews', { params: { app } }), app, (e) => 'app' in e && e.app === app);
  const [removing, setRemoving] = useState<Preview>();
  const [busy, setBusy] = useState<string>();
  const [error, setError] = useState<string>();
  useTick(30_000);

  const remove = (p: Preview): void => {
    setRemoving(undefined);
    setBusy(p.env);
    setError(undefined);
    call('previewRemove', { params: { app, env: p.env } })
      .catch((e: unknown) => setError(messageOf(e)))
      .finally(() => {
        setBusy(undefined);
        previews.reload();
      });
  };

  return (
    <>
      <nav aria-label="breadcrumb" class="crumbs">
        <a href="#/">Apps</a> / <span>{app}</span>
      </nav>
      <h1>Previews of {app}</h1>
      <ErrorLine message={error} />
      <Load state={previews} what="previews">
        {(rows) =>
          rows.length === 0 ? (
            <p class="muted">No preview: a push of a branch that calma.yml's previews match starts one.</p>
          ) : (
            <PreviewTable app={app} rows={rows} mayRemove={can(session, 'deploy')} busy={busy} onRemove={setRemoving} />
          )
        }
      </Load>
      {removing && (
        <Confirm title={`Remove the preview of ${removing.branch}?`} confirm="Remove preview" danger onConfirm={() => remove(removing)} onCancel={() => setRemoving(undefined)}>
          <p>
            Its route, containers, certificate and volumes ({removing.env}) are removed now. A new push of the branch creates it again.
          </p>
        </Confirm>
      )}
    </>
  );
}

function PreviewTable({ app, rows, mayRemove, busy, onRemove }: { app: string; rows: readonly Preview[]; mayRemove: boolean; busy: string | undefined; onRemove: (p: Preview) => void }) {
  return (
    <table class="rows">
      <Head cols={['Branch', 'URL', 'Commit', 'Created', 'Last push', '']} />
      <tbody>
        {rows.map((p) => (
          <tr key={p.env} data-env={p.env}>
            <th scope="row" data-label="Branch">
              <a href={href('apps', app, p.env)}>{p.branch}</a>
              {p.pullRequest !== null && <span class="muted"> (#{p.pullRequest})</span>}
            </th>
            <td data-label="URL">
              <Urls urls={[p.url]} />
            </td>
            <td data-label="Commit">
              <code title={p.commit}>{shortSha(p.commit)}</code>
            </td>
            <td data-label="Created">
              <Ago at={p.createdAt} />
            </td>
            <td data-label="Last push">
              <Ago at={p.pushedAt} />
            </td>
            <td data-label="Action">
              {mayRemove && (
                <button type="button" class="danger" disabled={busy !== undefined} onClick={() => onRemove(p)} aria-label={`Remove the preview of ${p.branch}`}>
                  {busy === p.env ? 'Removing…' : 'Remove'}
                </button>
              )}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
