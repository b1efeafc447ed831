// A pipeline's full log: every line appended to $CALMA_HOME/pipelines/<id>.log
// (kept after the run, for `calma logs --pipeline`) and handed to whoever
// follows the run live. Secret values are replaced before a line is kept.
import { appendFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PIPELINE_ID } from '../state/pipelines.js';

export interface LogListener {
  line(text: string): void;
  /** The run ended: no more lines come. */
  end(): void;
}

export function pipelineLogDir(home: string): string {
  return join(home, 'pipelines');
}

export function pipelineLogFile(home: string, id: string): string {
  if (!PIPELINE_ID.test(id)) throw new Error(`invalid pipeline id "${id}"`);
  return join(pipelineLogDir(home), `${id}.log`);
}

/** Replaces every secret value (of 4 characters or more, so that "1" is not blanked everywhere) with ***. */
export function redact(line: string, secrets: readonly string[]): string {
  let out = line;
  for (const s of secrets) if (s.length >= 4) out = out.split(s).join('***');
  return out;
}

export class PipelineLogs {
  private readonly listeners = new Map<string, Set<LogListener>>();
  private readonly secrets = new Map<string, string[]>();
  private readonly open = new Set<string>();

  constructor(private readonly home: string) {
    mkdirSync(pipelineLogDir(home), { recursive: true, mode: 0o700 });
  }

  /** Values that must never appear in this pipeline's log. */
  hide(id: string, values: readonly string[]): void {
    this.secrets.set(id, [...(this.secrets.get(id) ?? []), ...values]);
  }

  /** Appends a line with the secret values blanked, and returns it so (for whoever else shows it). */
  append(id: string, line: string): string {
    const safe = redact(line, this.secrets.get(id) ?? []);
    appendFileSync(pipelineLogFile(this.home, id), `${safe}\n`, { mode: 0o600 });
    for (const l of this.listeners.get(id) ?? []) l.line(safe);
    return safe;
  }

  /** The lines so far; with a listener, each new one until the run ends (or `stop` is called). */
  read(id: string, listener?: LogListener): { lines: string[]; stop: () => void } {
    const file = pipelineLogFile(this.home, id);
    const text = existsSync(file) ? readFileSync(file, 'utf8') : '';
    const lines = text === '' ? [] : text.replace(/\n$/, '').split('\n');
    if (!listener) return { lines, stop: () => undefined };
    const set = this.listeners.get(id) ?? new Set<LogListener>();
    set.add(listener);
    this.listeners.set(id, set);
    return { lines, stop: () => set.delete(listener) };
  }

  /** Whether the run is still writing (a follower of a finished run gets its lines and an end). */
  live(id: string): boolean {
    return this.open.has(id);
  }

  opened(id: string): void {
    this.open.add(id);
  }

  /** The run ended: followers are released and its secrets forgotten. */
  close(id: string): void {
    this.open.delete(id);
    this.secrets.delete(id);
    for (const l of this.listeners.get(id) ?? []) l.end();
    this.listeners.delete(id);
  }
}
