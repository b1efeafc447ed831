// The bundled example builds, passes its own test stage, and the image it
// ships serves the site.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot, uniqueApp } from '../support/app-dir.js';
import { calmaJson } from '../support/cli.js';
import { docker, removeAppImages } from '../support/engine.js';
import { freePort } from '../support/auth-registry.js';
import type { BuildReport } from '../../src/build/report.js';

test('examples/hello builds, tests itself, and ships a working site', async () => {
  const app = uniqueApp('hello');
  const dir = mkdtempSync(join(tmpdir(), 'calma-hello-'));
  cpSync(join(repoRoot, 'examples', 'hello'), dir, { recursive: true });
  writeFileSync(join(dir, 'calma.yml'), readFileSync(join(dir, 'calma.yml'), 'utf8').replace('app: hello', `app: ${app}`));
  const port = await freePort();
  const container = { id: '' };
  try {
    const report = await calmaJson<BuildReport>(['build', dir]);
    assert.ok(report.test, 'the test stage ran');
    const c = await docker.createContainer({
      Image: `${app}:build-1`,
      ExposedPorts: { '8080/tcp': {} },
      HostConfig: { PortBindings: { '8080/tcp': [{ HostIp: '127.0.0.1', HostPort: String(port) }] }, Dns: ['127.0.0.1'] },
    });
    container.id = c.id;
    await c.start();
    let body = '';
    for (let i = 0; i < 50 && body === ''; i++) {
      body = await fetch(`http://127.0.0.1:${port}/`).then((r) => (r.ok ? r.text() : ''), () => '');
      if (body === '') await new Promise((r) => setTimeout(r, 100));
    }
    assert.match(body, /<h1>Hello from calma<\/h1>/);
    assert.equal(await (await fetch(`http://127.0.0.1:${port}/up`)).text(), 'ok\n');
    // serve.sh forwards SIGTERM: the container stops at once, not after the grace period.
    const stopped = Date.now();
    await c.stop({ t: 10 });
    assert.ok(Date.now() - stopped < 5000, 'stopped promptly');
  } finally {
    if (container.id) await docker.getContainer(container.id).remove({ force: true }).catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
    await removeAppImages(app);
  }
});
