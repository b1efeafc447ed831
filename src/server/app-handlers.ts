// Logs, exec and removal of an app: the operations on what runs now.
import type Docker from 'dockerode';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { certsDir } from '../certs/paths.js';
import type { Api } from '../api/contract.js';
import { ApiError } from '../api/errors.js';
import type { EdgePort } from '../deploy/execute.js';
import { targetContainerNames } from './serving.js';
import { isAppVolume } from '../runtime/names.js';
import { lineSplitter } from '../runtime/line-splitter.js';
import type { Db } from '../state/db.js';
import type { Handler } from './handlers.js';

export interface AppOpsDeps {
  home: string;
  docker: Docker;
  db: Db;
  edge: EdgePort;
  /** Told of each environment a removal took away (its scheduled backups stop). */
  scheduleChanged?: (app: string, env: string) => void;
}

export function logsHandler(deps: AppOpsDeps): Handler<Api['logs']> {
  return async ({ params, query }, ctx, emit) => {
    const names = await targetContainerNames(deps.docker, params.app, query.env, query.service);
    let chain = Promise.resolve();
    await Promise.all(
      names.map(async (name) => {
        const container = deps.docker.getContainer(name);
        const opts = { stdout: true, stderr: true, tail: query.tail, timestamps: false } as const;
        const out = lineSplitter((line) => {
          chain = chain.then(() => emit({ type: 'line', container: name, line })).catch(() => undefined);
        });
        if (query.follow === '1') {
          const stream = await container.logs({ ...opts, follow: true });
          ctx.signal.addEventListener('abort', () => (stream as unknown as { destroy(): void }).destroy());
          container.modem.demuxStream(stream, out, out);
          await new Promise<void>((resolve) => {
            stream.on('end', resolve);
            stream.on('close', resolve);
            stream.on('error', () => resolve());
          });
        } else {
          const buf = (await container.logs({ ...opts, follow: false })) as unknown as Buffer;
          const pass = new PassThrough();
          container.modem.demuxStream(pass, out, out);
          pass.end(buf);
          await new Promise((r) => pass.on('end', r));
        }
        out.end();
      }),
    );
    await chain;
    await emit({ type: 'end' });
  };
}

export function execHandler(deps: AppOpsDeps): Handler<Api['exec']> {
  return async ({ params, body }, _ctx, emit) => {
    const [name] = await targetContainerNames(deps.docker, params.app, body.env, body.service);
    const exec = await deps.docker.getContainer(name!).exec({ Cmd: body.command, AttachStdout: true, AttachStderr: true, Tty: false });
    const stream = await exec.start({ hijack: true, stdin: false });
    let chain = Promise.resolve();
    const out = new PassThrough();
    out.on('data', (chunk: Buffer) => {
      chain = chain.then(() => emit({ type: 'output', data: chunk.toString('utf8') })).catch(() => undefined);
    });
    deps.docker.modem.demuxStream(stream, out, out);
    await new Promise<void>((resolve) => stream.on('end', resolve));
    await chain;
    const { ExitCode } = await exec.inspect();
    await emit({ type: 'exit', code: ExitCode ?? -1 });
    await emit({ type: 'end' });
  };
}

export function appsRemoveHandler(deps: AppOpsDeps): Handler<Api['appsRemove']> {
  return async ({ params, query }) => {
    const { app } = params;
    const containers = await deps.docker.listContainers({ all: true, filters: { label: [`calma.app=${app}`] } });
    const envs = new Set(containers.map((c) => c.Labels['calma.env']).filter((e): e is string => !!e));
    for (const row of deps.db.prepare('SELECT DISTINCT env FROM deployments WHERE app = ?').all(app) as Array<{ env: string }>) envs.add(row.env);
    if (containers.length === 0 && envs.size === 0) throw new ApiError('not_found', `no app named ${app}`);
    // Routes first: the edge stops sending traffic before the containers go.
    for (const env of envs) await deps.edge.remove(app, env);
    for (const c of containers) await deps.docker.getContainer(c.Id).remove({ force: true }).catch(() => undefined);
    // The environments' private networks (where services were) go with the containers.
    const networks = await deps.docker.listNetworks({ filters: { label: [`calma.app=${app}`] } });
    for (const n of networks) await deps.docker.getNetwork(n.Id).remove().catch(() => undefined);
    const removedVolumes: string[] = [];
    if (query.volumes === '1') {
      const { Volumes } = await deps.docker.listVolumes();
      for (const v of (Volumes ?? []).filter((v) => isAppVolume(app, v.Name))) {
        await deps.docker.getVolume(v.Name).remove();
        removedVolumes.push(v.Name);
      }
    }
    deps.db.transaction(() => {
      deps.db.prepare('DELETE FROM deployment_steps WHERE deployment_id IN (SELECT id FROM deployments WHERE app = ?)').run(app);
      deps.db.prepare('DELETE FROM deployments WHERE app = ?').run(app);
      deps.db.prepare('DELETE FROM releases WHERE app = ?').run(app);
      deps.db.prepare('DELETE FROM secrets WHERE app = ?').run(app);
      deps.db.prepare('DELETE FROM edge_addresses WHERE app = ?').run(app);
      deps.db.prepare('DELETE FROM certs WHERE app = ?').run(app);
    })();
    // Its certificates (and their keys) go with it; its backups stay (data is only ever deleted on purpose).
    rmSync(join(certsDir(deps.home), app), { recursive: true, force: true });
    for (const env of envs) deps.scheduleChanged?.(app, env);
    return { containers: containers.length, routes: envs.size, volumes: removedVolumes };
  };
}
