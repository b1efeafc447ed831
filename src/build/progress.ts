// Turns the classic builder's message stream into build steps. Pure state
// machine: fed engine messages, it returns events for the reporter and keeps
// each step's cache status and resulting layer id for the final report.
import type { EngineMessage } from '../docker/progress-stream.js';

export interface StepRecord {
  n: number;
  total: number;
  instruction: string;
  cached: boolean;
  /** Short image id the step produced (` ---> 3b0c1e2f4a5d`). */
  imageId: string | undefined;
  output: string[];
}

export type BuildEvent =
  | { kind: 'step'; step: StepRecord }
  | { kind: 'cached'; step: StepRecord }
  | { kind: 'output'; step: StepRecord | undefined; line: string }
  | { kind: 'built'; imageId: string };

const OUTPUT_KEPT = 40;

export class BuildProgress {
  readonly steps: StepRecord[] = [];
  imageId: string | undefined;
  private partial = '';

  get current(): StepRecord | undefined {
    return this.steps[this.steps.length - 1];
  }

  push(m: EngineMessage): BuildEvent[] {
    const events: BuildEvent[] = [];
    if (m.aux?.ID) {
      this.imageId = m.aux.ID;
      events.push({ kind: 'built', imageId: m.aux.ID });
    }
    if (m.stream === undefined) return events;
    const text = this.partial + m.stream;
    const lines = text.split('\n');
    this.partial = lines.pop() ?? '';
    for (const line of lines) events.push(...this.line(line.replace(/\r$/, '')));
    return events;
  }

  private line(line: string): BuildEvent[] {
    const step = /^Step (\d+)\/(\d+) : (.*)$/.exec(line);
    if (step) {
      const rec: StepRecord = { n: Number(step[1]), total: Number(step[2]), instruction: step[3]!, cached: false, imageId: undefined, output: [] };
      this.steps.push(rec);
      return [{ kind: 'step', step: rec }];
    }
    const cur = this.current;
    if (/^ ---> Using cache$/.test(line) && cur) {
      cur.cached = true;
      return [{ kind: 'cached', step: cur }];
    }
    const id = /^ ---> ([0-9a-f]{12,64})$/.exec(line);
    if (id && cur) {
      cur.imageId = id[1];
      return [];
    }
    // The builder's own bookkeeping is noise to a user.
    if (/^ ---> Running in |^Removing intermediate container |^Successfully (built|tagged) /.test(line) || line.trim() === '') return [];
    if (cur) {
      cur.output.push(line);
      if (cur.output.length > OUTPUT_KEPT) cur.output.shift();
    }
    return [{ kind: 'output', step: cur, line }];
  }
}
