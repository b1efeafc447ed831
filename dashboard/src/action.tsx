// A long action started from a page (rollback, restore): its progress streams
// in as the daemon reports it, shown in a log under the page's heading.
import { useRef, useState } from 'preact/hooks';
import { messageOf, type Ev } from './api.js';
import { Badge, LogView } from './components.js';

export type DeployEvent = Ev<'rollback'>;

export interface ActionState {
  title: string;
  lines: string[];
  status: 'running' | 'succeeded' | 'failed';
  error?: string;
}

/** One line of a deployment's progress, as the CLI prints it. */
export function lineOf(e: DeployEvent): string | undefined {
  switch (e.type) {
    case 'phase':
      return `==> ${e.name}: ${e.detail}`;
    case 'log':
      return e.line;
    case 'result':
      return `deployed ${e.image} (${e.deploymentId})${e.urls.length ? `: ${e.urls.join(' ')}` : ''}`;
    case 'pipeline':
      return `pipeline ${e.id} (${e.env}): ${e.status}${e.detail ? ` — ${e.detail}` : ''}`;
    case 'end':
      return undefined;
  }
}

export function useAction(done: () => void) {
  const [state, setState] = useState<ActionState>();
  const running = useRef(false);
  const run = async (title: string, work: (line: (l: string) => void) => Promise<void>): Promise<void> => {
    if (running.current) return;
    running.current = true;
    const lines: string[] = [];
    setState({ title, lines, status: 'running' });
    const line = (l: string): void => {
      lines.push(l);
      setState({ title, lines: [...lines], status: 'running' });
    };
    try {
      await work(line);
      setState({ title, lines: [...lines], status: 'succeeded' });
    } catch (e) {
      setState({ title, lines: [...lines], status: 'failed', error: messageOf(e) });
    } finally {
      running.current = false;
      done();
    }
  };
  return { state, run, busy: state?.status === 'running', clear: () => setState(undefined) };
}

export function ActionPanel({ state, onClose }: { state: ActionState | undefined; onClose: () => void }) {
  if (!state) return null;
  return (
    <section class="card action" aria-labelledby="action-title" data-action-status={state.status}>
      <div class="section-head">
        <h2 id="action-title">
          {state.title} <Badge status={state.status} />
        </h2>
        {state.status !== 'running' && (
          <button type="button" onClick={onClose}>
            Dismiss
          </button>
        )}
      </div>
      {state.error && (
        <p class="error" role="alert">
          {state.error}
        </p>
      )}
      <LogView lines={state.lines} label={`${state.title}: output`} live={state.status === 'running'} />
    </section>
  );
}
