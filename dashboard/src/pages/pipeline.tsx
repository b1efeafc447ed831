// One pipeline run: its stages with status and timing, and its full log,
// streamed live over Server-Sent Events while it runs.
import { useEffect, useState } from 'preact/hooks';
import { ApiFailure, call, can, follow, messageOf, type Out, type Session } from '../api.js';
import { Ago, Badge, ErrorLine, Head, Loading, LogView, Section } from '../components.js';
import { useData, useTick } from '../data.js';
import { between, duration, shortSha } from '../format.js';
import { href } from '../router.js';

type PipelineRow = Out<'pipelines'>[number];

const finished = new Set(['succeeded', 'failed', 'superseded', 'cancelled']);

/** A table of pipelines, newest first, each linking to its page. */
export function PipelineRows({ app, rows }: { app: string; rows: readonly PipelineRow[] }) {
  useTick(1000);
  if (rows.length === 0) return <p class="muted">No pipeline yet.</p>;
  return (
    <table class="rows">
      <Head cols={['Pipeline', 'Status', 'Trigger', 'By', 'Commit', 'Started', 'Took']} />
      <tbody>
        {rows.map((p) => (
          <tr key={p.id} data-pipeline={p.id}>
            <th scope="row" data-label="Pipeline">
              <a href={href('pipelines', app, p.id)}>{p.id}</a>
            </th>
            <td data-label="Status">
              <Badge status={p.status} />
            </td>
            <td data-label="Trigger">
              {p.trigger}
              {p.branch ? ` · ${p.branch}` : ''}
            </td>
            <td data-label="By">{p.actor ?? '—'}</td>
            <td data-label="Commit">
              <code title={p.commit}>{shortSha(p.commit) || '—'}</code>
            </td>
            <td data-label="Started">
              <Ago at={p.createdAt} />
            </td>
            <td data-label="Took">{between(p.createdAt, p.finishedAt)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** The pipeline's log: the whole of it, then each new line as it is written, until the pipeline ends; `onStage` when a stage starts or all end. */
function useLog(id: string, onStage: () => void) {
  const [lines, setLines] = useState<string[]>([]);
  const [ended, setEnded] = useState<string>();
  const [error, setError] = useState<string>();
  useEffect(() => {
    setLines([]);
    setEnded(undefined);
    setError(undefined);
    let buffer: string[] = [];
    // Lines arrive in bursts (a build's output); one render per frame is enough.
    let frame = 0;
    const flush = (): void => {
      frame = 0;
      setLines(buffer.slice());
    };
    const close = follow(
      'pipelineLogs',
      { params: { id }, query: { follow: '1' } },
      {
        // A reconnection replays the log from its start.
        open: () => {
          buffer = [];
          setError(undefined);
        },
        event: (e) => {
          if (e.type === 'line') {
            buffer.push(e.line);
            if (!frame) frame = requestAnimationFrame(flush);
            // A new stage begins (`==> deploy: …`): its start and the last one's timing are in the pipeline's record.
            if (e.line.startsWith('==> ')) onStage();
          } else {
            cancelAnimationFrame(frame);
            flush();
            setEnded(e.status);
            onStage();
          }
        },
        error: (m) => setError(m),
      },
    );
    return () => {
      cancelAnimationFrame(frame);
      close();
    };
  }, [id]);
  return { lines, ended, error };
}

export function Pipeline({ app: appOfLink, id, session }: { app: string; id: string; session: Session }) {
  // Fetched by its id, so a pipeline no longer among the app's recent ones is found too; a 404 says it does not exist.
  const pipelines = useData(
    () =>
      call('pipeline', { params: { id } }).then(
        (p) => ({ p }),
        (e: unknown) => {
          if (e instanceof ApiFailure && e.status === 404) return { p: undefined };
          throw e;
        },
      ),
    id,
    (e) => e.type === 'pipeline' && e.id === id,
  );
  const log = useLog(id, pipelines.reload);
  const [cancelError, setCancelError] = useState<string>();
  const p = pipelines.data?.p;
  const app = p?.app ?? appOfLink;
  useTick(1000);
  const running = p !== undefined && !finished.has(p.status);

  const cancel = (): void => {
    setCancelError(undefined);
    call('pipelineCancel', { params: { id } }).then(pipelines.reload, (e: unknown) => setCancelError(messageOf(e)));
  };

  return (
    <>
      <nav aria-label="breadcrumb" class="crumbs">
        <a href="#/">Apps</a> / <span>{app}</span>
        {p && (
          <>
            {' '}
            / <a href={href('apps', app, p.env)}>{p.env}</a>
          </>
        )}
      </nav>
      <h1>
        Pipeline <code>{id}</code> {p && <Badge status={p.status} />}
      </h1>
      <ErrorLine message={pipelines.error} />
      {!pipelines.data && !pipelines.error && <Loading what="pipeline" />}
      {pipelines.data && !p && <p class="muted">There is no pipeline {id}.</p>}
      {p && (
        <>
          <dl class="facts">
            <div>
              <dt>Environment</dt>
              <dd>
                <a href={href('apps', app, p.env)}>{p.env}</a>
              </dd>
            </div>
            <div>
              <dt>Trigger</dt>
              <dd>{p.trigger}</dd>
            </div>
            <div>
              <dt>By</dt>
              <dd>{p.actor ?? '—'}</dd>
            </div>
            <div>
              <dt>Branch</dt>
              <dd>{p.branch || '—'}</dd>
            </div>
            <div>
              <dt>Commit</dt>
              <dd>
                <code title={p.commit}>{shortSha(p.commit) || '—'}</code>
              </dd>
            </div>
            <div>
              <dt>Started</dt>
              <dd>
                <Ago at={p.createdAt} />
              </dd>
            </div>
            <div>
              <dt>Took</dt>
              <dd>{between(p.createdAt, p.finishedAt)}</dd>
            </div>
            {p.deploymentId && (
              <div>
                <dt>Deployment</dt>
                <dd>
                  <code>{p.deploymentId}</code>
                </dd>
              </div>
            )}
          </dl>
          {p.reason && <p class={p.status === 'failed' ? 'error' : 'reason'}>{p.reason}</p>}
          {running && can(session, 'deploy') && (
            <p>
              <button type="button" onClick={cancel}>
                Cancel pipeline
              </button>
            </p>
          )}
          <ErrorLine message={cancelError} />
          <Section title="Stages">
            {p.stages.length === 0 ? (
              <p class="muted">{p.status === 'queued' ? 'Waiting for its turn.' : 'No stage ran.'}</p>
            ) : (
              <ol class="stages">
                {p.stages.map((s, i) => (
                  <li key={i} data-stage={s.stage}>
                    <Badge status={s.status} label={s.stage} /> <span class="muted">{s.status === 'running' ? 'running…' : duration(s.ms)}</span>
                  </li>
                ))}
              </ol>
            )}
          </Section>
        </>
      )}
      <Section title="Log" actions={log.ended ? <Badge status={log.ended} label={`ended: ${log.ended}`} /> : <Badge status="running" label="live" />}>
        <ErrorLine message={log.error} />
        <LogView lines={log.lines} label={`log of pipeline ${id}`} live={!log.ended} />
      </Section>
    </>
  );
}
