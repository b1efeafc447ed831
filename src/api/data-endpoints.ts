// The endpoints on an app's data: its services, backups and restores.
import { z } from 'zod';
import { endpoint, streamEndpoint } from './define.js';
import { appName, backupId, deployEvent, envName, serviceName } from './fields.js';

const backupRow = z.object({
  id: z.string(),
  env: z.string(),
  release: z.string(),
  kind: z.string(),
  createdAt: z.string(),
  bytes: z.number(),
  durationMs: z.number(),
  verifiedAt: z.string().nullable(),
  verifyError: z.string().nullable(),
  path: z.string(),
});

export const dataEndpoints = {
  services: endpoint({
    method: 'GET',
    path: '/v1/apps/:app/services',
    summary: "an app's services and their state",
    access: 'read',
    params: z.object({ app: appName }),
    query: z.object({ env: envName.optional() }),
    response: z.array(
      z.object({ name: z.string(), env: z.string(), container: z.string(), image: z.string(), state: z.string(), status: z.string(), port: z.number().int().nullable() }),
    ),
  }),
  serviceRestart: endpoint({
    method: 'POST',
    path: '/v1/apps/:app/services/:name/restart',
    summary: 'restart one service container',
    access: 'deploy',
    params: z.object({ app: appName, name: serviceName }),
    body: z.object({ env: envName.default('production') }),
    response: z.object({ name: z.string(), container: z.string(), state: z.string() }),
  }),
  backupTake: streamEndpoint({
    method: 'POST',
    path: '/v1/apps/:app/backups',
    summary: "take a backup of an environment's volumes and service dumps now",
    access: 'deploy',
    params: z.object({ app: appName }),
    body: z.object({ env: envName.default('production') }),
    event: z.discriminatedUnion('type', [
      z.object({ type: z.literal('log'), line: z.string() }),
      z.object({ type: z.literal('result'), backup: backupRow }),
      z.object({ type: z.literal('end') }),
    ]),
  }),
  backups: endpoint({
    method: 'GET',
    path: '/v1/apps/:app/backups',
    summary: "an app's backups, newest first",
    access: 'read',
    params: z.object({ app: appName }),
    query: z.object({ env: envName.optional() }),
    response: z.array(backupRow),
  }),
  restore: streamEndpoint({
    method: 'POST',
    path: '/v1/apps/:app/restore',
    summary: 'restore a backup (checksums verified first): the app is stopped, its volumes replaced and dumps replayed, then started again',
    access: 'deploy',
    params: z.object({ app: appName }),
    body: z.object({ env: envName.default('production'), backup: backupId }),
    event: deployEvent,
  }),
} as const;
