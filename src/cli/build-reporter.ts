// How a build's progress looks. On a terminal: one spinner line showing the
// current step, and one lasting line per finished stage. Elsewhere (CI, pipes,
// --json): plain lines, one per step and per output line, to stderr when
// stdout is reserved for JSON.
import ora, { type Ora } from 'ora';
import type { BuildObserver } from '../build/run-build.js';
import type { BuildEvent, StepRecord } from '../build/progress.js';

export function createBuildReporter(opts: { tty: boolean; out: NodeJS.WritableStream }): BuildObserver & { stop(ok: boolean): void } {
  return opts.tty ? ttyReporter(opts.out) : plainReporter(opts.out);
}

function stepText(s: StepRecord): string {
  return `step ${s.n}/${s.total} ${s.instruction}`;
}

function plainReporter(out: NodeJS.WritableStream): BuildObserver & { stop(ok: boolean): void } {
  const write = (l: string): void => void out.write(`${l}\n`);
  return {
    phase: (name, detail) => write(`==> ${name}: ${detail}`),
    event: (e: BuildEvent) => {
      if (e.kind === 'step') write(stepText(e.step));
      else if (e.kind === 'cached') write(`  cached`);
      else if (e.kind === 'output') write(`  | ${e.line}`);
    },
    line: (l) => write(l),
    stop: () => undefined,
  };
}

function ttyReporter(out: NodeJS.WritableStream): BuildObserver & { stop(ok: boolean): void } {
  let spinner: Ora | undefined;
  let phase = '';
  let steps = 0;
  let cached = 0;
  const finishPhase = (ok: boolean): void => {
    if (!spinner) return;
    const summary = steps > 0 ? `${phase}: ${steps} steps, ${cached} from cache` : phase;
    if (ok) spinner.succeed(summary);
    else spinner.fail(summary);
    spinner = undefined;
  };
  return {
    phase: (name, detail) => {
      finishPhase(true);
      phase = `${name}: ${detail}`;
      steps = 0;
      cached = 0;
      spinner = ora({ text: phase, stream: out }).start();
    },
    event: (e) => {
      if (!spinner) return;
      if (e.kind === 'step') {
        steps++;
        spinner.text = `${phase}  ${stepText(e.step)}`;
      } else if (e.kind === 'cached') {
        cached++;
        spinner.text = `${phase}  ${stepText(e.step)} (cached)`;
      }
    },
    // Lasting output (test results, pushes) is printed above the spinner.
    line: (l) => {
      if (spinner) spinner.clear();
      out.write(`  ${l}\n`);
      spinner?.render();
    },
    stop: (ok) => finishPhase(ok),
  };
}
