// A real deployment environment for tests: the web fixture built as images,
// a managed nginx on free loopback ports, a journal in a temporary database.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pack } from 'tar-fs';
import { request } from 'node:http';
import { Edge } from '../../src/proxy/edge.js';
import { removeOrphanSources } from '../../src/runtime/image-source.js';
import { NginxEdgePort } from '../../src/deploy/nginx-edge.js';
import { openDb, type Db } from '../../src/state/db.js';
import { Journal } from '../../src/state/journal.js';
import { AddressBook } from '../../src/state/addresses.js';
import { followEngineStream, streamError } from '../../src/docker/progress-stream.js';
import { fixturesDir } from './app-dir.js';
import { freePort } from './auth-registry.js';
import { docker } from './engine.js';

/** Builds the web fixture with VERSION=version as image `tag`. */
export async function buildWebImage(tag: string, version: string): Promise<void> {
  const stream = await docker.buildImage(pack(join(fixturesDir, 'apps', 'web')) as unknown as NodeJS.ReadableStream, {
    t: tag,
    buildargs: { VERSION: version },
    labels: { 'calma.app': tag.split(':')[0]! },
  });
  const failure = streamError(await followEngineStream(docker, stream, () => undefined));
  if (failure) throw new Error(failure);
}

export interface TestEdge {
  edge: Edge;
  port: NginxEdgePort;
  httpPort: number;
  db: Db;
  journal: Journal;
  addresses: AddressBook;
  close(): Promise<void>;
}

export async function startTestEdge(): Promise<TestEdge> {
  const prefix = mkdtempSync(join(tmpdir(), 'calma-edge-'));
  const httpPort = await freePort();
  const edge = new Edge({ prefix, httpPort, httpsPort: await freePort(), bindAddress: '127.0.0.1' });
  await edge.ensureRunning();
  const db = openDb(join(prefix, 'state.db'));
  return {
    edge,
    port: new NginxEdgePort(edge),
    httpPort,
    db,
    journal: new Journal(db),
    addresses: new AddressBook(db),
    close: async () => {
      await edge.stop();
      db.close();
      rmSync(prefix, { recursive: true, force: true });
    },
  };
}

/**
 * A GET through the edge with a Host header: status and body. `newConnection`: not over a
 * kept-alive one, for a loop that polls while nginx reloads: an old worker closes its idle
 * connections as it shuts down, and a request written on one at that moment is reset (the
 * known limit of a reload, which browsers retry).
 */
export function getVia(port: number, host: string, path = '/', o: { newConnection?: boolean } = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, headers: { host }, timeout: 5000, ...(o.newConnection ? { agent: false } : {}) }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}

/** Removes every container and image of the app (tests clean up after themselves). */
export async function removeApp(app: string): Promise<void> {
  const containers = await docker.listContainers({ all: true, filters: { label: [`calma.app=${app}`] } });
  await Promise.all(containers.map((c) => docker.getContainer(c.Id).remove({ force: true }).catch(() => undefined)));
  const images = await docker.listImages({ filters: { label: [`calma.app=${app}`] } });
  for (const i of images) await docker.getImage(i.Id).remove({ force: true }).catch(() => undefined);
  await removeOrphanSources(docker);
}
