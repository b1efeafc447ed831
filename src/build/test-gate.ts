// The test gate: the test stage's image is run once; its exit code decides
// whether anything ships. Output streams to the user as it comes; a run over
// its timeout is killed and counts as a failure.
import type Docker from 'dockerode';
import { UserError } from '../errors.js';
import { runOnce } from '../runtime/run-once.js';
import { formatMs } from './format.js';

export interface TestRun {
  imageId: string;
  command: string[] | undefined;
  timeoutMs: number;
  labels: Record<string, string>;
  onLine: (line: string) => void;
}

export async function runTestGate(docker: Docker, run: TestRun): Promise<{ durationMs: number }> {
  const result = await runOnce(docker, {
    image: run.imageId,
    command: run.command,
    timeoutMs: run.timeoutMs,
    labels: { ...run.labels, 'calma.role': 'test' },
    // Tests make no outside lookups: DNS stays on the container's own loopback.
    hostConfig: { Dns: ['127.0.0.1'] },
    onLine: run.onLine,
  });
  const tail = result.lastLines.map((l) => `  | ${l}`);
  if (result.exitCode === undefined) throw new UserError(`test stage timed out after ${formatMs(run.timeoutMs)} (build.test.timeout); nothing was tagged`, tail);
  if (result.exitCode !== 0) throw new UserError(`test stage failed with exit code ${result.exitCode}; nothing was tagged`, tail);
  return { durationMs: result.durationMs };
}
