// The engine reports builds, pushes and pulls as a stream of JSON messages.
// dockerode's modem parses them; this wraps it in a promise that resolves with
// every message once the stream ends, calling onMessage as each arrives.
import type Docker from 'dockerode';

/** One message of the engine's JSON progress stream (build, push, pull). */
export interface EngineMessage {
  stream?: string;
  status?: string;
  id?: string;
  progress?: string;
  error?: string;
  errorDetail?: { message?: string; code?: number };
  aux?: { ID?: string; Digest?: string; Tag?: string; Size?: number };
}

export function followEngineStream(
  docker: Docker,
  stream: NodeJS.ReadableStream,
  onMessage: (m: EngineMessage) => void,
): Promise<EngineMessage[]> {
  return new Promise((resolve, reject) => {
    docker.modem.followProgress(
      stream,
      (err: Error | null, all: EngineMessage[]) => (err ? reject(err) : resolve(all)),
      (m: EngineMessage) => onMessage(m),
    );
  });
}

/** The first error the engine reported inside an otherwise successful HTTP stream. */
export function streamError(messages: readonly EngineMessage[]): string | undefined {
  const failed = messages.find((m) => m.error !== undefined || m.errorDetail?.message !== undefined);
  return failed ? (failed.errorDetail?.message ?? failed.error) : undefined;
}
