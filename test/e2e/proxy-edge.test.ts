// The edge against a real nginx: a private prefix in a temp dir, free
// 127.0.0.1 ports, and small Node servers standing in for app containers.
// Nothing here touches the system nginx or leaves loopback.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Edge } from '../../src/proxy/edge.js';
import { replaceEnvFile } from '../../src/proxy/apply.js';
import { runningMasterPid, isNginxRunning, servingWorkerPids } from '../../src/proxy/nginx.js';
import { envFileName, upstreamName } from '../../src/proxy/render.js';
import { edgePaths } from '../../src/proxy/paths.js';
import { UserError } from '../../src/errors.js';
import type { EdgeSettings, Route, Upstream } from '../../src/proxy/routes.js';
import { freePort, hit, startUpstream, type TestUpstream } from '../support/proxy-upstream.js';

const up = (u: TestUpstream): Upstream => ({ host: '127.0.0.1', port: u.port });
const route = (app: string, domains: string[], upstreams: TestUpstream[], maxBodyBytes = 1024 * 1024): Route => ({
  app,
  env: 'production',
  domains,
  upstreams: upstreams.map(up),
  maxBodyBytes,
});

describe('the edge with a real nginx', () => {
  let settings: EdgeSettings;
  let edge: Edge;
  let shopA: TestUpstream, shopB: TestUpstream, blog: TestUpstream, blog2: TestUpstream;
  const logs: string[] = [];
  const get = (host: string, opts?: Parameters<typeof hit>[2]) => hit(settings.httpPort, host, opts);

  before(async () => {
    const prefix = mkdtempSync(join(tmpdir(), 'calma-edge-'));
    settings = { prefix, httpPort: await freePort(), httpsPort: await freePort(), bindAddress: '127.0.0.1' };
    edge = new Edge(settings, (msg) => logs.push(msg));
    [shopA, shopB, blog, blog2] = await Promise.all([startUpstream('shop-a'), startUpstream('shop-b'), startUpstream('blog'), startUpstream('blog-2')]);
    await edge.ensureRunning();
    await edge.apply(route('shop', ['shop.test', 'www.shop.test'], [shopA, shopB]));
    await edge.apply(route('blog', ['blog.test'], [blog], 64 * 1024));
  });

  after(async () => {
    await edge?.stop(); // graceful quit of this nginx only, found through its own pid file
    assert.equal(isNginxRunning(settings), false);
    await Promise.all([shopA, shopB, blog, blog2].map((u) => u?.close()));
    rmSync(settings.prefix, { recursive: true, force: true });
  });

  test('routes by Host to the right environment', async () => {
    assert.equal((await get('blog.test')).body, 'blog');
    assert.match((await get('shop.test')).body, /^shop-[ab]$/);
    assert.match((await get('WWW.Shop.Test')).body, /^shop-[ab]$/);
  });

  test('round-robin: both replicas receive requests', async () => {
    const bodies = new Set<string>();
    for (let i = 0; i < 10; i++) bodies.add((await get('shop.test')).body);
    assert.deepEqual([...bodies].sort(), ['shop-a', 'shop-b']);
  });

  test('an unknown host gets the calma 404 page', async () => {
    const r = await get('nobody.test');
    assert.equal(r.status, 404);
    assert.match(r.body, /No application is served at this address/);
    assert.match(String(r.headers['content-type']), /text\/html/);
  });

  test('an environment without upstreams answers 503 at once', async () => {
    await edge.apply({ app: 'empty', env: 'staging', domains: ['empty.test'], upstreams: [], maxBodyBytes: 1024 });
    const id = `down-${Date.now()}`;
    const r = await get('empty.test', { timeoutMs: 2_000, headers: { 'x-request-id': id } });
    assert.equal(r.status, 503);
    assert.match(r.body, /no running instance/);
    assert.equal(r.headers['retry-after'], '5');
    // Its own Retry-After would hide the inherited answer headers: the page repeats them.
    assert.equal(r.headers['x-request-id'], id);
    assert.ok(r.ms < 1_000, `took ${r.ms} ms`);
  });

  test('a body over the maximum gets 413; one under it (buffered to disk) passes', async () => {
    const over = await get('blog.test', { method: 'POST', body: Buffer.alloc(100 * 1024, 'x') });
    assert.equal(over.status, 413);
    const before = blog.seen.length;
    const under = await get('blog.test', { method: 'POST', body: Buffer.alloc(48 * 1024, 'x') });
    assert.equal(under.status, 200);
    assert.equal(blog.seen[before]?.bodyBytes, 48 * 1024);
  });

  test('X-Forwarded-* and X-Request-Id reach the upstream', async () => {
    const r = await get('blog.test', { path: '/h1', headers: { 'x-forwarded-for': '6.6.6.6' } });
    const seen = blog.seen.find((s) => s.url === '/h1');
    assert.ok(seen);
    assert.equal(seen.headers['x-forwarded-for'], '127.0.0.1', 'a client cannot spoof its address');
    assert.equal(seen.headers['x-forwarded-proto'], 'http');
    assert.equal(seen.headers['x-forwarded-host'], 'blog.test');
    assert.equal(seen.headers.host, 'blog.test');
    // This nginx's epoch, the connection's serial number, the request's number on it.
    const epoch = /"([a-z0-9]+)-/.exec(readFileSync(edgePaths(settings).requestIds, 'utf8'))![1]!;
    const madeByEdge = new RegExp(`^${epoch}-\\d+-\\d+$`);
    assert.match(String(seen.headers['x-request-id']), madeByEdge);
    assert.equal(r.headers['x-request-id'], seen.headers['x-request-id'], 'the client sees the same id');
    await get('blog.test', { path: '/h2', headers: { 'x-request-id': 'trace-42.a' } });
    assert.equal(blog.seen.find((s) => s.url === '/h2')?.headers['x-request-id'], 'trace-42.a', 'a caller trace id continues');
    await get('blog.test', { path: '/h3', headers: { 'x-request-id': 'not an id;' } });
    const replaced = String(blog.seen.find((s) => s.url === '/h3')?.headers['x-request-id']);
    assert.match(replaced, madeByEdge);
    assert.notEqual(replaced, seen.headers['x-request-id'], 'each request gets its own id');
    // nginx counts connections for its master's whole life: a reload does not start again from 1.
    const connection = (id: unknown): number => Number(String(id).split('-')[1]);
    await edge.apply(route('reload-id', ['reload-id.test'], [blog2]));
    const later = (await get('blog.test')).headers['x-request-id'];
    assert.match(String(later), madeByEdge);
    assert.ok(connection(later) > connection(replaced), `${String(later)} after ${replaced}`);
  });

  test('a WebSocket upgrade passes through', async () => {
    const socket = connect(settings.httpPort, '127.0.0.1');
    try {
      let received = '';
      const until = (re: RegExp) =>
        new Promise<void>((resolve, reject) => {
          const timer = setTimeout(() => reject(new Error(`no ${re} in ${JSON.stringify(received)}`)), 3_000);
          const check = () => re.test(received) && (clearTimeout(timer), socket.off('data', onData), resolve());
          const onData = (d: Buffer) => ((received += d.toString()), check());
          socket.on('data', onData);
          check();
        });
      socket.write('GET /ws HTTP/1.1\r\nHost: blog.test\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n\r\n');
      await until(/^HTTP\/1\.1 101 .*\r\n\r\n/s);
      received = '';
      socket.write('ping-through-the-edge');
      await until(/ping-through-the-edge/);
      assert.equal(blog.seen.find((s) => s.url === '/ws')?.headers.upgrade, 'websocket');
    } finally {
      socket.destroy();
    }
  });

  test('upstream connections are kept alive', async () => {
    const requests = blog.seen.length;
    const connections = blog.connections;
    for (let i = 0; i < 20; i++) assert.equal((await get('blog.test')).status, 200);
    assert.equal(blog.seen.length - requests, 20);
    const opened = blog.connections - connections;
    assert.ok(opened < 10, `${opened} new upstream connections for 20 requests`);
  });

  test('a route change reloads without dropping an in-flight request', async () => {
    const slow = get('blog.test', { path: '/slow?ms=1500' });
    await new Promise((r) => setTimeout(r, 300));
    await edge.apply(route('blog', ['blog.test'], [blog2], 64 * 1024));
    const fresh = await get('blog.test');
    assert.equal(fresh.body, 'blog-2', 'right after apply() the new route serves');
    const r = await slow;
    assert.equal(r.status, 200);
    assert.equal(r.body, 'blog');
  });

  test('a config nginx refuses is rejected, reported, and the old route keeps serving', async () => {
    const file = join(edgePaths(settings).envs, envFileName('blog', 'production'));
    const good = readFileSync(file, 'utf8');
    await assert.rejects(
      replaceEnvFile(settings, envFileName('blog', 'production'), 'server { no_such_directive on; }\n'),
      (e: unknown) => {
        assert.ok(e instanceof UserError);
        assert.match(e.message, /^the edge configuration was refused: nginx: \[emerg\] unknown directive "no_such_directive" in .*blog--production\.conf:1$/);
        return true;
      },
    );
    assert.equal(readFileSync(file, 'utf8'), good, 'the previous file is back');
    assert.equal((await get('blog.test')).body, 'blog-2');
    // A new file that fails leaves no file behind.
    await assert.rejects(replaceEnvFile(settings, envFileName('new', 'production'), 'upstream {\n'), UserError);
    assert.equal(existsSync(join(edgePaths(settings).envs, envFileName('new', 'production'))), false);
    assert.equal((await get('shop.test')).status, 200);
  });

  test('a file that passes its own check but clashes with another is refused at the reload, and the old routes keep serving', async () => {
    // Alone it is valid; beside the blog's file its upstream name is a duplicate, which only the whole configuration shows.
    const clash = `upstream ${upstreamName('blog', 'production', 'a')} {\n    server 127.0.0.1:9;\n}\n`;
    const master = runningMasterPid(settings);
    await assert.rejects(replaceEnvFile(settings, envFileName('clash', 'production'), clash), (e: unknown) => {
      assert.ok(e instanceof UserError);
      assert.match(e.message, /^the edge \(nginx\) refused the new configuration: nginx: \[emerg\] duplicate upstream "u[0-9a-f]{8,23}_blog__production__a" in .*clash--production\.conf:1$/);
      return true;
    });
    assert.equal(existsSync(join(edgePaths(settings).envs, envFileName('clash', 'production'))), false, 'the clashing file is gone again');
    assert.equal(runningMasterPid(settings), master, 'the same nginx serves on');
    assert.equal((await get('blog.test')).status, 200);
    assert.equal((await get('shop.test')).status, 200);
    // The next change reloads cleanly: nothing of the refused file is left to fail it.
    await edge.apply(route('clash-ok', ['clash-ok.test'], [blog]));
    assert.equal((await get('clash-ok.test')).status, 200);
    await edge.remove('clash-ok', 'production');
  });

  test('a batch of route changes is checked file by file and reloaded once, at its end', async () => {
    const master = runningMasterPid(settings);
    assert.ok(master);
    const workers = new Set(servingWorkerPids(master));
    await edge.batch(async () => {
      await edge.apply(route('batch-one', ['batch-one.test'], [blog]));
      await edge.apply(route('batch-two', ['batch-two.test'], [shopA]));
      // A file nginx refuses is still refused (and put back) inside a batch.
      await assert.rejects(replaceEnvFile(settings, envFileName('batch-bad', 'production'), 'server { no_such_directive on; }\n'), UserError);
      assert.deepEqual(new Set(servingWorkerPids(master)), workers, 'no reload yet');
      assert.equal((await get('batch-one.test')).status, 404);
    });
    assert.notDeepEqual(new Set(servingWorkerPids(master)), workers, 'reloaded at the end');
    assert.equal((await get('batch-one.test')).body, 'blog');
    assert.equal((await get('batch-two.test')).status, 200);
    assert.equal(existsSync(join(edgePaths(settings).envs, envFileName('batch-bad', 'production'))), false);
    await edge.remove('batch-one', 'production');
    await edge.remove('batch-two', 'production');
  });

  test('two routes whose file names would collide are told apart', async () => {
    await edge.apply({ app: 'a--b', env: 'c', domains: ['ab.test'], upstreams: [up(blog)], maxBodyBytes: 1024 });
    await assert.rejects(
      edge.apply({ app: 'a', env: 'b--c', domains: ['a.test'], upstreams: [up(blog)], maxBodyBytes: 1024 }),
      (e: unknown) => e instanceof UserError && /belongs to another route/.test(e.message),
    );
    await assert.rejects(edge.remove('a', 'b--c'), UserError);
    assert.equal((await get('ab.test')).status, 200);
    await edge.remove('a--b', 'c');
  });

  test('removing a route sends its hosts to the 404 page', async () => {
    await edge.remove('empty', 'staging');
    assert.equal((await get('empty.test')).status, 404);
    await edge.remove('empty', 'staging'); // idempotent
  });

  test('the supervisor restarts nginx when it dies', async () => {
    const stop = edge.supervise(100);
    try {
      const pid = runningMasterPid(settings);
      assert.ok(pid);
      process.kill(pid, 'SIGTERM'); // fast shutdown of the nginx this test started
      let served = false;
      for (let i = 0; i < 50 && !served; i++) {
        await new Promise((r) => setTimeout(r, 100));
        served = await get('shop.test', { timeoutMs: 1_000 }).then((r) => r.status === 200, () => false);
      }
      assert.ok(served, 'nginx is back within 5 s');
      assert.notEqual(runningMasterPid(settings), pid);
      assert.ok(logs.includes('edge not running, restarting'));
    } finally {
      stop();
    }
  });

  test('the access log records the answers that went wrong, not the ones that went as asked', async () => {
    const { accessLog } = edgePaths(settings);
    const ok = `fine-${Date.now()}`;
    const missing = `lost-${Date.now()}`;
    assert.equal((await get('shop.test', { headers: { 'x-request-id': ok } })).status, 200);
    const unknown = await get('nobody.test', { headers: { 'x-request-id': missing } });
    assert.equal(unknown.status, 404);
    // Set once in nginx.conf, the answer headers reach the edge's own pages too.
    assert.equal(unknown.headers['x-request-id'], missing);
    assert.equal(unknown.headers['x-calma-upstream'], undefined);
    let text = '';
    for (let i = 0; i < 30 && !text.includes(missing); i++) {
      await new Promise((r) => setTimeout(r, 100)); // nginx writes its log buffer out each second
      text = existsSync(accessLog) ? readFileSync(accessLog, 'utf8') : '';
    }
    assert.match(text, new RegExp(`nobody\\.test "GET / HTTP/1\\.1" 404 .* ${missing}`));
    assert.ok(!text.includes(ok), 'a 200 is not logged');
  });

  test('the supervisor keeps the access log under its limit: it moves to access.log.1 and nginx writes a new one', async () => {
    const { accessLog } = edgePaths(settings);
    const limit = 4096;
    // Errors only are logged (the default): an unknown host's 404s fill it.
    for (let i = 0; i < 40; i++) assert.equal((await get('nobody.test')).status, 404);
    // nginx writes its log buffer out within a second (flush=1s)
    for (let i = 0; i < 30 && (!existsSync(accessLog) || statSync(accessLog).size < limit); i++) await new Promise((r) => setTimeout(r, 100));
    assert.ok(statSync(accessLog).size >= limit, 'the log grew past the limit');
    const stop = edge.supervise(100, limit);
    try {
      for (let i = 0; i < 30 && !logs.includes('edge log rotated'); i++) await new Promise((r) => setTimeout(r, 100));
      assert.ok(logs.includes('edge log rotated'), `the supervisor said: ${logs.join('; ')}`);
      assert.match(readFileSync(`${accessLog}.1`, 'utf8').slice(-2000), /nobody\.test "GET \/ HTTP\/1\.1" 404/);
      // Requests after the rotation land in a new file (once nginx's workers have reopened it), and none is lost.
      const markers: string[] = [];
      let inNew = false;
      for (let i = 0; i < 50 && !inNew; i++) {
        markers.push(`after-rotation-${Date.now()}-${i}`);
        assert.equal((await get('nobody.test', { headers: { 'x-request-id': markers[markers.length - 1]! } })).status, 404);
        await new Promise((r) => setTimeout(r, 1_100)); // the log buffer is written out each second
        inNew = existsSync(accessLog) && readFileSync(accessLog, 'utf8').includes(markers[markers.length - 1]!);
      }
      assert.ok(inNew, 'a request made after the rotation is in the new access.log');
      const both = readFileSync(accessLog, 'utf8') + readFileSync(`${accessLog}.1`, 'utf8');
      for (const m of markers) assert.ok(both.includes(m), `${m} is logged`);
      assert.ok(statSync(accessLog).size < limit, `access.log is ${statSync(accessLog).size} bytes`);
    } finally {
      stop();
    }
  });

  test('a new nginx master gets a new epoch: its connection numbers start again, its request ids do not repeat', async () => {
    const epoch = (): string => /"([a-z0-9]+)-/.exec(readFileSync(edgePaths(settings).requestIds, 'utf8'))![1]!;
    const before = epoch();
    await edge.stop();
    await edge.ensureRunning();
    assert.notEqual(epoch(), before);
    assert.match(String((await get('blog.test')).headers['x-request-id']), new RegExp(`^${epoch()}-\\d+-\\d+$`));
  });
});
