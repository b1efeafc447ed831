// Bench: how long nginx takes to load calma's edge configuration as the number
// of environments grows. Every route change with a new shape, and the daemon's
// start-up, ends in a reload, and a reload is one full load of every
// environment's file. The files are rendered by calma's own renderer (two
// upstream slots, as after a first deployment) into a private prefix, and
// timed with `nginx -t` (best of 5): with 1 environment and with EDGE_ENVS
// (default 1,000), side by side with the same files under the upstream names
// calma used before (`calma_<app>__<env>__<slot>`, which nginx compares byte
// by byte against every earlier one). No engine, no network.
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { NGINX_BINARY } from '../src/proxy/nginx.js';
import { edgePaths, nginxBaseArgs } from '../src/proxy/paths.js';
import { envFileName, renderEnvironmentConfig, renderMainConfig, upstreamName } from '../src/proxy/render.js';
import type { EdgeSettings } from '../src/proxy/routes.js';
import { must, runMain, table, tempDir } from './lib/run.js';

const ENVS = Number(process.env.EDGE_ENVS ?? 1000);
const TRIES = 5;

function renderEdge(n: number): EdgeSettings {
  const settings: EdgeSettings = { prefix: tempDir('calma-bench-edge-load-'), httpPort: 18080, httpsPort: 18443, bindAddress: '127.0.0.1', probeToken: 'b'.repeat(32) };
  const p = edgePaths(settings);
  for (const d of [p.envs, p.logs, p.live, p.temp, p.challenges]) mkdirSync(d, { recursive: true });
  writeFileSync(p.conf, renderMainConfig(settings));
  for (let i = 0; i < n; i++) {
    const app = `load-app-${i}`;
    const host = (base: number) => `10.210.${base + (i >> 8)}.${i & 255}`;
    const route = { app, env: 'production', domains: [`${app}.localhost`], upstreams: [{ host: host(128), port: 8080 }], standby: [{ host: host(160), port: 8080 }], slot: 'a' as const, maxBodyBytes: 1_048_576 };
    writeFileSync(join(p.envs, envFileName(app, 'production')), renderEnvironmentConfig(route, settings));
  }
  return settings;
}

/** The same files with the upstream names calma rendered before they began with a hash. */
function withPlainNames(settings: EdgeSettings): void {
  const { envs } = edgePaths(settings);
  for (const f of readdirSync(envs)) {
    const [app, env] = f.replace(/\.conf$/, '').split('--') as [string, string];
    let text = readFileSync(join(envs, f), 'utf8');
    for (const slot of ['a', 'b'] as const) text = text.split(upstreamName(app, env, slot)).join(`calma_${app}__${env}__${slot}`);
    writeFileSync(join(envs, f), text);
  }
}

async function loadMs(settings: EdgeSettings): Promise<number> {
  let best = Infinity;
  for (let i = 0; i < TRIES; i++) {
    const t0 = performance.now();
    await must(NGINX_BINARY, [...nginxBaseArgs(settings), '-t', '-q']);
    best = Math.min(best, performance.now() - t0);
  }
  return best;
}

runMain('edge-load', async () => {
  const one = await loadMs(renderEdge(1));
  const many = renderEdge(ENVS);
  const hashed = await loadMs(many);
  withPlainNames(many);
  const plain = await loadMs(many);
  const ms = (x: number): string => `${x.toFixed(0)} ms`;
  process.stdout.write(`\nedge-load: nginx -t of calma's edge configuration, best of ${TRIES}\n\n`);
  process.stdout.write(
    table([
      ['', '1 environment', `${ENVS} environments`, 'ratio'],
      ['upstream names as calma renders them (u<hash>_…)', ms(one), ms(hashed), `${(hashed / one).toFixed(1)}x`],
      ['the former names (calma_<app>__<env>__<slot>)', ms(one), ms(plain), `${(plain / one).toFixed(1)}x`],
    ]),
  );
  process.stdout.write(`\nSUMMARY nginx loads ${ENVS} environments in ${ms(hashed)} (${ms(plain)} with the former upstream names: ${(plain / hashed).toFixed(1)}x longer); 1 environment ${ms(one)}\n`);
});
