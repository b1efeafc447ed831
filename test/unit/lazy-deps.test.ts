import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';

test("the engine client loads without dockerode's SSH and gRPC code, which loads on first use", async () => {
  await import('../../src/docker/client.js');
  const require = createRequire(import.meta.url);
  const loaded = Object.keys(require.cache);
  assert.ok(loaded.some((f) => f.includes('/dockerode/')), 'dockerode is loaded');
  // Only the stand-ins (each package's entry file) are in the cache, none of the real modules' files.
  assert.deepEqual(loaded.filter((f) => /\/(ssh2|@grpc\/grpc-js|@grpc\/proto-loader)\//.test(f) && !/\/(lib|build\/src)\/index\.js$/.test(f)), []);
  // First use loads the real one: an SSH client is constructed as dockerode would.
  const ssh2 = require(require.resolve('ssh2', { paths: [require.resolve('docker-modem')] })) as { Client: new () => { connect: unknown } };
  assert.equal(typeof new ssh2.Client().connect, 'function');
  assert.ok(Object.keys(require.cache).some((f) => f.endsWith('/ssh2/lib/client.js')), 'the real SSH client is loaded now');
});
