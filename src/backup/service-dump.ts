// A service's own dump and restore commands, run inside its container: the
// dump's standard output becomes the file, and the file is fed to the
// restore's standard input. Both must exit 0; an empty dump is a failure.
import type Docker from 'dockerode';
import { createReadStream, createWriteStream, statSync } from 'node:fs';
import { PassThrough } from 'node:stream';
import { UserError } from '../errors.js';
import { lineSplitter } from '../runtime/line-splitter.js';

const TAIL = 5;

function stderrTail(): { stream: PassThrough; lines: string[] } {
  const lines: string[] = [];
  const stream = new PassThrough();
  stream.pipe(
    lineSplitter((l) => {
      lines.push(l);
      if (lines.length > TAIL) lines.shift();
    }),
  );
  return { stream, lines };
}

async function exitCode(exec: Docker.Exec): Promise<number> {
  // The stream ends a moment before the engine records the exit code.
  for (let i = 0; i < 50; i++) {
    const info = await exec.inspect();
    if (!info.Running && info.ExitCode !== null) return info.ExitCode;
    await new Promise((r) => setTimeout(r, 20));
  }
  return (await exec.inspect()).ExitCode ?? -1;
}

export async function dumpService(docker: Docker, container: string, service: string, command: string[], dest: string): Promise<void> {
  const exec = await docker.getContainer(container).exec({ Cmd: command, AttachStdout: true, AttachStderr: true });
  const stream = await exec.start({ hijack: true, stdin: false });
  const out = createWriteStream(dest, { flags: 'wx', mode: 0o600 });
  const err = stderrTail();
  const written = new Promise<void>((resolve, reject) => out.on('finish', resolve).on('error', reject));
  docker.modem.demuxStream(stream, out, err.stream);
  await new Promise<void>((resolve, reject) => stream.on('end', resolve).on('error', reject));
  out.end();
  err.stream.end();
  await written;
  const code = await exitCode(exec);
  const why = err.lines.length > 0 ? `: ${err.lines.join(' | ')}` : '';
  if (code !== 0) throw new UserError(`the dump of service ${service} exited with code ${code}${why}`);
  if (statSync(dest).size === 0) throw new UserError(`the dump of service ${service} is empty (an empty dump is never a backup)${why}`);
}

export async function restoreService(docker: Docker, container: string, service: string, command: string[], src: string): Promise<void> {
  const exec = await docker.getContainer(container).exec({ Cmd: command, AttachStdin: true, AttachStdout: true, AttachStderr: true });
  const stream = (await exec.start({ hijack: true, stdin: true })) as NodeJS.ReadWriteStream;
  const err = stderrTail();
  const sink = new PassThrough();
  sink.resume();
  docker.modem.demuxStream(stream, sink, err.stream);
  const ended = new Promise<void>((resolve, reject) => stream.on('end', resolve).on('error', reject));
  // pipe() ends our side once the file is sent (a half-close): the command sees the end of its input.
  const input = createReadStream(src);
  const read = new Promise<void>((resolve, reject) => input.on('end', resolve).on('error', reject));
  input.pipe(stream as unknown as NodeJS.WritableStream);
  await read;
  await ended;
  err.stream.end();
  const code = await exitCode(exec);
  if (code !== 0) throw new UserError(`the restore of service ${service} exited with code ${code}${err.lines.length > 0 ? `: ${err.lines.join(' | ')}` : ''}`);
}
