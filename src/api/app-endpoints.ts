// The endpoints on what runs: secrets, logs, exec and removal.
import { z } from 'zod';
import { endpoint, streamEndpoint, queryNumber } from './define.js';
import { appName, envName, secretName, serviceName } from './fields.js';

export const appEndpoints = {
  secretsList: endpoint({
    method: 'GET',
    path: '/v1/apps/:app/secrets',
    summary: "the names of an app's secrets (never their values)",
    access: 'read',
    params: z.object({ app: appName }),
    response: z.array(z.object({ name: z.string(), updatedAt: z.string() })),
  }),
  secretsSet: endpoint({
    method: 'PUT',
    path: '/v1/apps/:app/secrets/:name',
    summary: 'set a secret; stored encrypted, used from the next deployment on',
    access: 'deploy',
    params: z.object({ app: appName, name: secretName }),
    body: z.object({ value: z.string().max(65536) }),
    response: z.object({ name: z.string(), updatedAt: z.string() }),
  }),
  secretsUnset: endpoint({
    method: 'DELETE',
    path: '/v1/apps/:app/secrets/:name',
    summary: 'remove a secret',
    access: 'deploy',
    params: z.object({ app: appName, name: secretName }),
    response: z.object({ name: z.string(), removed: z.boolean() }),
  }),
  logs: streamEndpoint({
    method: 'GET',
    path: '/v1/apps/:app/logs',
    summary: "the output of the serving release's containers; with follow, until the client leaves",
    access: 'read',
    params: z.object({ app: appName }),
    query: z.object({
      env: envName.default('production'),
      service: serviceName.optional(),
      follow: z.enum(['0', '1']).default('0'),
      tail: queryNumber(z.number().int().min(0).max(100000)).default(100),
    }),
    event: z.discriminatedUnion('type', [z.object({ type: z.literal('line'), container: z.string(), line: z.string() }), z.object({ type: z.literal('end') })]),
  }),
  exec: streamEndpoint({
    method: 'POST',
    path: '/v1/apps/:app/exec',
    summary: 'run a command in a container of the serving release and stream its output',
    access: 'deploy',
    params: z.object({ app: appName }),
    body: z.object({ env: envName.default('production'), service: serviceName.optional(), command: z.array(z.string()).min(1).max(256) }),
    event: z.discriminatedUnion('type', [
      z.object({ type: z.literal('output'), data: z.string() }),
      z.object({ type: z.literal('exit'), code: z.number().int() }),
      z.object({ type: z.literal('end') }),
    ]),
  }),
  execStatus: endpoint({
    method: 'GET',
    path: '/v1/exec/:id',
    summary: 'whether an interactive exec still runs, and its exit code',
    access: 'deploy',
    // The id is 64 random hex digits from the engine: knowing it is the permission.
    appScope: 'self',
    params: z.object({ id: z.string().regex(/^[0-9a-f]{64}$/, 'expected an exec id') }),
    response: z.object({ running: z.boolean(), exitCode: z.number().int().nullable() }),
  }),
  appsRemove: endpoint({
    method: 'DELETE',
    path: '/v1/apps/:app',
    summary: 'remove an app: its containers and routes, and with volumes=1 its named volumes',
    access: 'admin',
    params: z.object({ app: appName }),
    query: z.object({ volumes: z.enum(['0', '1']).default('0') }),
    response: z.object({ containers: z.number(), routes: z.number(), volumes: z.array(z.string()) }),
  }),
} as const;
