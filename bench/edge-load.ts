// Bench: how long nginx takes to load calma's edge configuration as the number
// of environments grows. Every route change with a new shape, and the daemon's
// start-up, ends in a reload, and a reload is one full load of every
// environment's file. The files are rendered by calma's own renderer (two
// upstream slots, as after a first deployment) into a private prefix, and
// timed with `nginx -t` (best of 5): with 1 environment and with EDGE_ENVS
// (default 1,000), side by side with the same environments as calma rendered
// them before: the headers calma adds to answers in every environment's location,
// with ACME's challenge location in every environment, https or not; before
// that, the proxy settings repeated in every environment's location and the
// upstream names' hash always 8 digits long; and before that, names that all
// began `calma_` (nginx compares an upstream's name byte by byte with every
// earlier one of the same length). No engine, no network.
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { NGINX_BINARY } from '../src/proxy/nginx.js';
import { edgePaths, nginxBaseArgs } from '../src/proxy/paths.js';
import { PROXY_ANSWER_HEADERS, PROXY_DEFAULTS, PROXY_LOCATION, envFileName, renderEnvironmentConfig, renderMainConfig, renderRequestIdConfig, upstreamName } from '../src/proxy/render.js';
import type { EdgeSettings } from '../src/proxy/routes.js';
import { must, runMain, table, tempDir } from './lib/run.js';

const ENVS = Number(process.env.EDGE_ENVS ?? 1000);
const TRIES = 5;

/** `n` environments as calma renders them; `https`: each wants a certificate (calma.yml's default), none issued yet. */
function renderEdge(n: number, https: boolean): EdgeSettings {
  const settings: EdgeSettings = { prefix: tempDir('calma-bench-edge-load-'), httpPort: 18080, httpsPort: 18443, bindAddress: '127.0.0.1', probeToken: 'b'.repeat(32) };
  const p = edgePaths(settings);
  for (const d of [p.envs, p.logs, p.live, p.temp, p.challenges]) mkdirSync(d, { recursive: true });
  writeFileSync(p.conf, renderMainConfig(settings));
  writeFileSync(p.requestIds, renderRequestIdConfig('bench'));
  for (let i = 0; i < n; i++) {
    const app = `load-app-${i}`;
    const host = (base: number) => `10.210.${base + (i >> 8)}.${i & 255}`;
    const route = { app, env: 'production', domains: [`${app}.localhost`], upstreams: [{ host: host(128), port: 8080 }], standby: [{ host: host(160), port: 8080 }], slot: 'a' as const, maxBodyBytes: 1_048_576, https };
    writeFileSync(join(p.envs, envFileName(app, 'production')), renderEnvironmentConfig(route, settings));
  }
  return settings;
}

/** Rewrites every environment's file: each upstream name as `rename` makes it from the current one. */
function renameUpstreams(settings: EdgeSettings, rename: (app: string, env: string, slot: 'a' | 'b') => string): void {
  const { envs } = edgePaths(settings);
  for (const f of readdirSync(envs)) {
    const [app, env] = f.replace(/\.conf$/, '').split('--') as [string, string];
    let text = readFileSync(join(envs, f), 'utf8');
    for (const slot of ['a', 'b'] as const) text = text.split(upstreamName(app, env, slot)).join(rename(app, env, slot));
    writeFileSync(join(envs, f), text);
  }
}

/** The layout before f68e706: the answer headers in each environment's location instead of once in the http block. */
function withHeadersInEveryLocation(settings: EdgeSettings): void {
  const p = edgePaths(settings);
  const main = readFileSync(p.conf, 'utf8');
  if (!main.includes(PROXY_ANSWER_HEADERS)) throw new Error('the main configuration has no answer headers to move');
  writeFileSync(p.conf, main.replace(PROXY_ANSWER_HEADERS, ''));
  for (const f of readdirSync(p.envs)) {
    const text = readFileSync(join(p.envs, f), 'utf8');
    const last = text.lastIndexOf('        proxy_pass http://');
    const end = text.indexOf('\n', last) + 1;
    writeFileSync(join(p.envs, f), text.slice(0, end) + PROXY_LOCATION + text.slice(end));
  }
}

/**
 * The layout calma rendered before that: the proxy settings in each environment's `location /`
 * (after its last proxy_pass) instead of once in the http block, and a hash of 8 digits.
 */
function withPreviousLayout(settings: EdgeSettings): void {
  const p = edgePaths(settings);
  const main = readFileSync(p.conf, 'utf8');
  if (!main.includes(PROXY_DEFAULTS)) throw new Error('the main configuration has no proxy settings block to move');
  writeFileSync(p.conf, main.replace(PROXY_DEFAULTS, ''));
  const inLocation = PROXY_DEFAULTS.replace(/^ {4}/gm, '        ');
  for (const f of readdirSync(p.envs)) {
    const text = readFileSync(join(p.envs, f), 'utf8');
    const last = text.lastIndexOf('        proxy_pass http://');
    const end = text.indexOf('\n', last) + 1;
    writeFileSync(join(p.envs, f), text.slice(0, end) + inLocation + text.slice(end));
  }
  renameUpstreams(settings, (app, env, slot) => `u${createHash('sha256').update(`${app}\0${env}`).digest('hex').slice(0, 8)}_${app}__${env}__${slot}`);
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
  const ms = (x: number): string => `${x.toFixed(0)} ms`;
  const rows: [string, number, number][] = [];
  const plain = [renderEdge(1, false), renderEdge(ENVS, false)] as const;
  rows.push(['as calma renders them, https: false (no challenge location)', await loadMs(plain[0]), await loadMs(plain[1])]);
  const [one, many] = [renderEdge(1, true), renderEdge(ENVS, true)];
  rows.push(['as calma renders them, https: true (the default; no certificate yet)', await loadMs(one), await loadMs(many)]);
  withHeadersInEveryLocation(one);
  withHeadersInEveryLocation(many);
  rows.push(['before: answer headers in every location, every environment a challenge location', await loadMs(one), await loadMs(many)]);
  withPreviousLayout(one);
  withPreviousLayout(many);
  rows.push(['the layout before that (settings in every location, hash of 8 digits)', await loadMs(one), await loadMs(many)]);
  for (const s of [one, many]) renameUpstreams(s, (app, env, slot) => `calma_${app}__${env}__${slot}`);
  rows.push(['that layout with the first names (calma_<app>__<env>__<slot>)', await loadMs(one), await loadMs(many)]);
  process.stdout.write(`\nedge-load: nginx -t of calma's edge configuration, best of ${TRIES}\n\n`);
  process.stdout.write(table([['', '1 environment', `${ENVS} environments`, 'ratio'], ...rows.map(([what, a, b]) => [what, ms(a), ms(b), `${(b / a).toFixed(1)}x`])]));
  const [withoutHttps, now, before, previous, first] = rows.map((r) => r[2]) as [number, number, number, number, number];
  const vs = (x: number): string => `${ms(x)}: ${(x / now).toFixed(2)}x`;
  process.stdout.write(
    `\nSUMMARY nginx loads ${ENVS} environments wanting https in ${ms(now)}, with https: false ${ms(withoutHttps)} (before: ${vs(before)}; the layout before that ${vs(previous)}; the first names ${vs(first)}); 1 environment ${ms(rows[1]![1])}\n`,
  );
});
