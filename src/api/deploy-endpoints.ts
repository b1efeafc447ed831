// The deployment endpoints: deploy and rollback (streamed), and the history.
import { z } from 'zod';
import { endpoint, streamEndpoint } from './define.js';
import { appName, deployEvent, envName } from './fields.js';
import { UploadedArchive } from './upload.js';

export const deployEndpoints = {
  deploy: streamEndpoint({
    method: 'POST',
    path: '/v1/deploy',
    summary: 'build, test and tag the uploaded app directory (a tar), then deploy it to an environment, streaming progress',
    access: 'deploy',
    appScope: 'self',
    query: z.object({
      env: envName.default('production'),
      // The client's git facts about the directory it sent (the upload carries no .git).
      commit: z.string().regex(/^[0-9a-f]{40}$/, 'expected a full commit sha').optional(),
      branch: z.string().max(255).optional(),
      tags: z.string().max(4096).optional(),
      dirty: z.enum(['0', '1']).optional(),
      // 0: refuse at once (409) when the environment is busy instead of waiting for its turn.
      wait: z.enum(['0', '1']).default('1'),
    }),
    body: z.instanceof(UploadedArchive, { message: 'expected the app directory as an application/x-tar body' }),
    event: deployEvent,
  }),
  rollback: streamEndpoint({
    method: 'POST',
    path: '/v1/apps/:app/rollback',
    summary: 'deploy the previous (or the named) release again, health-gated like any deployment',
    access: 'deploy',
    params: z.object({ app: appName }),
    body: z.object({ env: envName.default('production'), release: z.string().max(80).optional(), withData: z.boolean().default(false) }),
    event: deployEvent,
  }),
  releases: endpoint({
    method: 'GET',
    path: '/v1/apps/:app/releases',
    summary: 'the releases that went live in an environment, the current one first',
    access: 'read',
    params: z.object({ app: appName }),
    query: z.object({ env: envName.default('production') }),
    response: z.array(
      z.object({ version: z.string(), image: z.string(), commit: z.string(), branch: z.string(), tags: z.array(z.string()), deployedAt: z.string(), by: z.string().nullable(), current: z.boolean(), available: z.boolean() }),
    ),
  }),
  deployments: endpoint({
    method: 'GET',
    path: '/v1/apps/:app/deployments',
    summary: 'recent deployments with each step and its timing',
    access: 'read',
    params: z.object({ app: appName }),
    query: z.object({ env: envName.optional() }),
    response: z.array(
      z.object({
        id: z.string(),
        env: z.string(),
        kind: z.string(),
        status: z.string(),
        reason: z.string().nullable(),
        version: z.string(),
        by: z.string().nullable(),
        startedAt: z.string(),
        finishedAt: z.string().nullable(),
        steps: z.array(z.object({ step: z.string(), status: z.string(), ms: z.number().nullable() })),
      }),
    ),
  }),
  status: endpoint({
    method: 'GET',
    path: '/v1/status',
    summary: 'every app and environment: the release serving, its URLs and its containers',
    access: 'read',
    appScope: 'self',
    response: z.array(
      z.object({
        app: z.string(),
        env: z.string(),
        version: z.string().nullable(),
        urls: z.array(z.string()),
        containers: z.array(z.object({ name: z.string(), state: z.string() })),
        lastDeployment: z.object({ id: z.string(), status: z.string(), reason: z.string().nullable() }).nullable(),
      }),
    ),
  }),
} as const;
