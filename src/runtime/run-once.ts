// A one-off container: started, its output streamed line by line, waited for
// (killed at the timeout) and removed. The test gate and the release command
// both run this way.
import type Docker from 'dockerode';
import { lineSplitter } from './line-splitter.js';

export interface OneOff {
  image: string;
  command: string[] | undefined;
  timeoutMs: number;
  labels: Record<string, string>;
  env?: string[];
  hostConfig?: Docker.HostConfig;
  onLine: (line: string) => void;
}

export interface OneOffResult {
  /** undefined when the timeout struck first. */
  exitCode: number | undefined;
  durationMs: number;
  lastLines: string[];
}

const LAST_LINES = 10;

export async function runOnce(docker: Docker, run: OneOff): Promise<OneOffResult> {
  const started = Date.now();
  const container = await docker.createContainer({
    Image: run.image,
    ...(run.command ? { Cmd: run.command } : {}),
    ...(run.env ? { Env: run.env } : {}),
    Labels: run.labels,
    Tty: false,
    HostConfig: run.hostConfig ?? {},
  });
  const lastLines: string[] = [];
  const emit = (l: string): void => {
    lastLines.push(l);
    if (lastLines.length > LAST_LINES) lastLines.shift();
    run.onLine(l);
  };
  try {
    const out = lineSplitter(emit);
    const stream = await container.attach({ stream: true, stdout: true, stderr: true });
    container.modem.demuxStream(stream, out, out);
    const ended = new Promise<void>((resolve) => stream.on('end', resolve));
    await container.start();
    const exitCode = await waitWithTimeout(container, run.timeoutMs);
    await ended;
    await new Promise<void>((resolve) => {
      out.once('end', resolve); // the last, unterminated line is delivered on 'end'
      out.end();
    });
    return { exitCode, durationMs: Date.now() - started, lastLines };
  } finally {
    await container.remove({ force: true }).catch(() => undefined);
  }
}

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
