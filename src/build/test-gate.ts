// The test gate: the test stage's image is run once; its exit code decides
// whether anything ships. Output streams to the user as it comes; a run over
// its timeout is killed and counts as a failure.
import type Docker from 'dockerode';
import { PassThrough } from 'node:stream';
import { UserError } from '../errors.js';
import { formatMs } from './format.js';

export interface TestRun {
  imageId: string;
  command: string[] | undefined;
  timeoutMs: number;
  labels: Record<string, string>;
  onLine: (line: string) => void;
}

export interface TestResult {
  exitCode: number;
  durationMs: number;
  lastLines: string[];
}

const LAST_LINES = 10;

export async function runTestGate(docker: Docker, run: TestRun): Promise<TestResult> {
  const started = Date.now();
  const container = await docker.createContainer({
    Image: run.imageId,
    ...(run.command ? { Cmd: run.command } : {}),
    Labels: { ...run.labels, 'calma.role': 'test' },
    Tty: false,
    // Tests make no outside lookups: DNS stays on the container's own loopback.
    HostConfig: { Dns: ['127.0.0.1'], AutoRemove: false },
  });
  const lastLines: string[] = [];
  try {
    const out = new PassThrough();
    let partial = '';
    out.on('data', (chunk: Buffer) => {
      const lines = (partial + chunk.toString('utf8')).split('\n');
      partial = lines.pop() ?? '';
      for (const l of lines) emit(l);
    });
    const emit = (l: string): void => {
      lastLines.push(l);
      if (lastLines.length > LAST_LINES) lastLines.shift();
      run.onLine(l);
    };
    const stream = await container.attach({ stream: true, stdout: true, stderr: true });
    container.modem.demuxStream(stream, out, out);
    const ended = new Promise<void>((resolve) => stream.on('end', resolve));
    await container.start();
    const exitCode = await waitWithTimeout(container, run.timeoutMs);
    await ended;
    if (partial !== '') emit(partial);
    const durationMs = Date.now() - started;
    if (exitCode === undefined) {
      throw new UserError(`test stage timed out after ${formatMs(run.timeoutMs)} (build.test.timeout); nothing was tagged`, tail(lastLines));
    }
    if (exitCode !== 0) {
      throw new UserError(`test stage failed with exit code ${exitCode}; nothing was tagged`, tail(lastLines));
    }
    return { exitCode, durationMs, lastLines };
  } finally {
    await container.remove({ force: true }).catch(() => undefined);
  }
}

function tail(lines: string[]): string[] {
  return lines.map((l) => `  | ${l}`);
}

/** The exit code, or undefined when the timeout struck first (the container is then killed). */
async function waitWithTimeout(container: Docker.Container, timeoutMs: number): Promise<number | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), timeoutMs);
  });
  const result = await Promise.race([container.wait().then((r: { StatusCode: number }) => r.StatusCode), timeout]);
  clearTimeout(timer);
  if (result === undefined) await container.kill().catch(() => undefined);
  return result;
}
