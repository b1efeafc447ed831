// dockerode and docker-modem load an SSH client (ssh2) and a gRPC stack
// (@grpc/grpc-js, @grpc/proto-loader, for BuildKit sessions) as soon as they
// are loaded: about 10 MB of the daemon's memory for code calma never runs.
// calma reaches the engine over its unix socket or plain TCP and builds with
// the classic builder. So, before dockerode is loaded, those three modules get
// stand-ins in node's module cache that load the real one at first use: an
// SSH engine address or a BuildKit session would still work, and pay for it then.
import { createRequire } from 'node:module';
import { dirname } from 'node:path';

const require = createRequire(import.meta.url);

type Loader = () => Record<string, unknown>;

function deferred(name: string, from: string, standIn: (load: Loader) => unknown): void {
  let file: string;
  try {
    file = require.resolve(name, { paths: [dirname(require.resolve(from))] });
  } catch {
    return; // not installed where dockerode looks: nothing to defer
  }
  if (require.cache[file]) return; // already loaded (or already deferred)
  let real: Record<string, unknown> | undefined;
  const load: Loader = () => {
    if (real === undefined) {
      delete require.cache[file];
      real = require(file) as Record<string, unknown>;
    }
    return real;
  };
  require.cache[file] = { id: file, filename: file, loaded: true, children: [], paths: [], exports: standIn(load) } as unknown as NodeJS.Module;
}

/** Every property read loads the real module. */
const proxy = (load: Loader): unknown => new Proxy({}, { get: (_, key) => load()[key as string], has: (_, key) => key in load() });

// docker-modem reads `require('ssh2').Client` as it loads: the stand-in is a class whose construction builds the real one.
deferred('ssh2', 'docker-modem', (load) => ({
  Client: class {
    constructor(...args: unknown[]) {
      const Real = load().Client as new (...a: unknown[]) => object;
      return new Real(...args);
    }
  },
}));
deferred('@grpc/grpc-js', 'dockerode', proxy);
deferred('@grpc/proto-loader', 'dockerode', proxy);
