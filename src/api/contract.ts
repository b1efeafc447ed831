// The one typed contract of calma's HTTP API (see define.ts for the
// conventions): every endpoint, by name. The daemon serves exactly these, the
// CLI's client calls them, and both validate with the same zod schemas.
import { z } from 'zod';
import { endpoint, scopeSchema, streamEndpoint, queryNumber } from './define.js';
import { appEndpoints } from './app-endpoints.js';
import { certEndpoints } from './cert-endpoints.js';
import { dataEndpoints } from './data-endpoints.js';
import { deployEndpoints } from './deploy-endpoints.js';
import { pipelineEndpoints } from './pipeline-endpoints.js';
import { authEndpoints } from './auth-endpoints.js';

export * from './define.js';

const coreEndpoints = {
  health: endpoint({
    method: 'GET',
    path: '/v1/health',
    summary: 'is the daemon up, and which version',
    access: 'none',
    response: z.object({ ok: z.literal(true), version: z.string() }),
  }),
  whoami: endpoint({
    method: 'GET',
    path: '/v1/whoami',
    summary: 'how this request was authenticated and with which scope',
    access: 'read',
    appScope: 'self',
    response: z.object({ via: z.enum(['socket', 'token', 'session']), scope: scopeSchema, app: z.string().nullable() }),
  }),
  ping: streamEndpoint({
    method: 'GET',
    path: '/v1/events/ping',
    summary: 'streams `count` ticks then an end event: the smallest example of a stream',
    access: 'read',
    query: z.object({ count: queryNumber(z.number().int().min(0).max(1000)).default(3) }),
    event: z.discriminatedUnion('type', [
      z.object({ type: z.literal('tick'), n: z.number().int() }),
      z.object({ type: z.literal('end') }),
    ]),
  }),
} as const;

export const api = { ...coreEndpoints, ...deployEndpoints, ...appEndpoints, ...dataEndpoints, ...certEndpoints, ...pipelineEndpoints, ...authEndpoints } as const;

export type Api = typeof api;
