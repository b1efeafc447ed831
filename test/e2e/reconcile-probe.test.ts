// The daemon's start-up probe gives a serving container more than one chance:
// a single lost health answer must not take a healthy app off the edge until
// its next deployment.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { appFromFixture, commitAll, uniqueApp } from '../support/app-dir.js';
import { calma } from '../support/cli.js';
import { getVia, removeApp } from '../support/deploy-env.js';
import { docker, execIn } from '../support/engine.js';
import { freePort, tempHome } from '../support/server-helpers.js';
import { startCliServer } from '../support/server-cli.js';

const app = uniqueApp('probe');
const home = tempHome();
after(async () => {
  home.cleanup();
  await removeApp(app);
});

test('a restart whose first health probe of a serving app is lost keeps the app on the edge', async () => {
  const domain = `${app}.test`;
  const httpPort = await freePort();
  const env = { CALMA_HOME: home.home };
  const args = ['--http-port', String(httpPort), '--https-port', String(await freePort()), '--edge-address', '127.0.0.1', '--app-dns', '127.0.0.1'];
  const dir = appFromFixture('web', app, `app: ${app}\nweb:\n  port: 8080\n  healthcheck:\n    path: /cgi-bin/up\n    interval: 100ms\ndomains: [${domain}]\nhttps: false\n`);
  commitAll(dir);
  let server = await startCliServer(args, env);
  try {
    assert.equal((await calma(['deploy', dir.dir], { env })).code, 0);
    assert.equal((await getVia(httpPort, domain)).body, 'v1\n');
    assert.equal((await server.stop()), 0);
    // While no daemon runs, the container's next health answer is made a 503: the restarted daemon's first probe gets it.
    const [web] = await docker.listContainers({ filters: { label: [`calma.app=${app}`, 'calma.role=web'] } });
    assert.ok(web, 'the app runs');
    const armed = () => execIn(web.Id, ['sh', '-c', 'test -e /fail-once && echo armed || echo used']);
    await execIn(web.Id, ['touch', '/fail-once']);
    assert.equal(await armed(), 'armed\n');
    server = await startCliServer(args, env);
    assert.equal(await armed(), 'used\n', 'the start-up probe met the 503');
    assert.equal((await getVia(httpPort, domain)).body, 'v1\n', 'and a later probe put the app on the edge');
  } finally {
    await server.stop();
    dir.cleanup();
  }
});
