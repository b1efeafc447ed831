// Small pieces every page uses: status badges, times, errors, a confirmation
// dialog (native <dialog>: modal, focus kept inside, Escape cancels) and a log view.
import type { ComponentChildren } from 'preact';
import { useEffect, useLayoutEffect, useRef } from 'preact/hooks';
import { ago, when } from './format.js';

const good = new Set(['succeeded', 'done', 'running:healthy', 'healthy', 'valid', 'live']);
const bad = new Set(['failed', 'exited', 'dead', 'error', 'expired', 'unhealthy']);
const busy = new Set(['running', 'queued', 'started', 'restarting', 'created', 'stopping', 'deploying', 'renewing']);

/** A status word with a colour that does not carry the meaning alone (the word is always there). */
export function Badge({ status, label }: { status: string; label?: string }) {
  const tone = good.has(status) ? 'good' : bad.has(status) ? 'bad' : busy.has(status) ? 'busy' : 'idle';
  return <span class={`badge ${tone}`} data-status={status}>{label ?? status}</span>;
}

/** "3 min ago", the exact time on hover and for screen readers via <time>. */
export function Ago({ at }: { at: string | null | undefined }) {
  if (!at) return <span>—</span>;
  return (
    <time dateTime={at} title={when(at)}>
      {ago(at)}
    </time>
  );
}

export function ErrorLine({ message }: { message: string | undefined }) {
  if (!message) return null;
  return (
    <p class="error" role="alert">
      {message}
    </p>
  );
}

export function Loading({ what }: { what: string }) {
  return (
    <p class="muted" aria-busy="true">
      Loading {what}…
    </p>
  );
}

export function Section({ title, children, actions }: { title: string; children: ComponentChildren; actions?: ComponentChildren }) {
  const id = `s-${title.toLowerCase().replace(/[^a-z0-9]+/g, '-')}`;
  return (
    <section aria-labelledby={id}>
      <div class="section-head">
        <h2 id={id}>{title}</h2>
        {actions}
      </div>
      {children}
    </section>
  );
}

export interface ConfirmProps {
  title: string;
  children: ComponentChildren;
  confirm: string;
  /** Styles the confirm button as dangerous (rollback, restore, remove). */
  danger?: boolean;
  onConfirm: () => void;
  onCancel: () => void;
}

/** A modal confirmation; the cancel button has the focus first, so Enter never destroys by accident. */
export function Confirm({ title, children, confirm, danger, onConfirm, onCancel }: ConfirmProps) {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const d = ref.current;
    if (d && !d.open) d.showModal();
    return () => d?.close();
  }, []);
  return (
    <dialog ref={ref} class="confirm" aria-labelledby="confirm-title" onClose={onCancel}>
      <form
        method="dialog"
        onSubmit={(e) => {
          e.preventDefault();
          const submitter = (e as SubmitEvent).submitter as HTMLButtonElement | null;
          if (submitter?.value === 'yes') onConfirm();
          else onCancel();
        }}
      >
        <h2 id="confirm-title">{title}</h2>
        <div>{children}</div>
        <div class="buttons">
          <button type="submit" value="no" autofocus>
            Cancel
          </button>
          <button type="submit" value="yes" class={danger ? 'danger' : 'primary'}>
            {confirm}
          </button>
        </div>
      </form>
    </dialog>
  );
}

/** Lines of output that follow the newest one while the reader has not scrolled up. */
export function LogView({ lines, label, live }: { lines: readonly string[]; label: string; live?: boolean }) {
  const ref = useRef<HTMLPreElement>(null);
  const stick = useRef(true);
  useLayoutEffect(() => {
    const el = ref.current;
    if (el && stick.current) el.scrollTop = el.scrollHeight;
  }, [lines.length]);
  return (
    <pre
      ref={ref}
      class="log"
      tabIndex={0}
      role="log"
      aria-label={label}
      aria-live="off"
      onScroll={(e) => {
        const el = e.currentTarget;
        stick.current = el.scrollTop + el.clientHeight >= el.scrollHeight - 8;
      }}
    >
      {lines.length === 0 ? <span class="muted">{live ? 'waiting for output…' : 'no output'}</span> : lines.join('\n')}
    </pre>
  );
}

/** A table's column headings; an empty one is the (unlabelled) actions column. */
export function Head({ cols }: { cols: readonly string[] }) {
  return (
    <thead>
      <tr>
        {cols.map((c, i) => (
          <th scope="col" key={i}>
            {c === '' ? <span class="sr-only">Action</span> : c}
          </th>
        ))}
      </tr>
    </thead>
  );
}

/** A part of a page that loads: its error, "Loading…" until the first answer, then `children` of the data. */
export function Load<T>({ state, what, children }: { state: { data: T | undefined; error: string | undefined }; what: string; children: (data: T) => ComponentChildren }) {
  return (
    <>
      <ErrorLine message={state.error} />
      {state.data === undefined ? !state.error && <Loading what={what} /> : children(state.data)}
    </>
  );
}
