// The endpoints of push to deploy: git-connected apps, pipelines and their
// logs, preview environments, and the push notice the git hook sends.
import { z } from 'zod';
import { endpoint, streamEndpoint } from './define.js';
import { appName, deployEvent, envName } from './fields.js';
import { GIT_RECEIVED_PATH } from './hook-paths.js';

export const pipelineId = z.string().regex(/^p[0-9a-z]{6,16}$/, 'expected a pipeline id like pmc3x9k2f001');

const stage = z.object({ stage: z.string(), status: z.string(), ms: z.number().nullable() });
const pipeline = z.object({
  id: z.string(),
  env: z.string(),
  trigger: z.string(),
  actor: z.string().nullable(),
  branch: z.string(),
  commit: z.string(),
  status: z.string(),
  reason: z.string().nullable(),
  deploymentId: z.string().nullable(),
  createdAt: z.string(),
  finishedAt: z.string().nullable(),
  stages: z.array(stage),
});

const refUpdate = z.object({
  old: z.string().regex(/^[0-9a-f]{40}$/, 'expected a full commit sha'),
  new: z.string().regex(/^[0-9a-f]{40}$/, 'expected a full commit sha'),
  ref: z.string().min(1).max(1024),
});

export const pipelineEndpoints = {
  appsCreate: endpoint({
    method: 'POST',
    path: '/v1/apps',
    summary: 'create a git-connected app: its repository on the daemon and its webhook secret (shown once)',
    access: 'admin',
    // http(s) for a git host; file:// for a repository on the server itself.
    body: z.object({ app: appName, repository: z.string().max(2048).regex(/^(https?|file):\/\/[^\s@]+$/, 'expected a clone URL like https://git.example.com/team/shop.git (no credentials in it)').optional() }),
    response: z.object({ app: z.string(), gitPath: z.string(), webhookSecret: z.string(), hookPaths: z.array(z.string()) }),
  }),
  remote: endpoint({
    method: 'GET',
    path: '/v1/apps/:app/remote',
    summary: "the path of an app's git remote on the daemon and of its webhooks",
    access: 'read',
    params: z.object({ app: appName }),
    response: z.object({ app: z.string(), gitPath: z.string(), hookPaths: z.array(z.string()), repository: z.string().nullable(), tcp: z.string().nullable() }),
  }),
  pipelines: endpoint({
    method: 'GET',
    path: '/v1/apps/:app/pipelines',
    summary: "an app's recent pipelines, newest first, with each stage and its timing",
    access: 'read',
    params: z.object({ app: appName }),
    response: z.array(pipeline),
  }),
  pipeline: endpoint({
    method: 'GET',
    path: '/v1/pipelines/:id',
    summary: 'one pipeline with each stage and its timing',
    access: 'read',
    appScope: 'self',
    params: z.object({ id: pipelineId }),
    response: pipeline.extend({ app: z.string() }),
  }),
  pipelineCancel: endpoint({
    method: 'POST',
    path: '/v1/pipelines/:id/cancel',
    summary: 'cancel a pipeline: a queued one never starts, a build stops; a deployment under way finishes or rolls back',
    access: 'deploy',
    appScope: 'self',
    params: z.object({ id: pipelineId }),
    response: z.object({ id: z.string(), status: z.enum(['cancelled', 'stopping', 'deploying']) }),
  }),
  pipelineLogs: streamEndpoint({
    method: 'GET',
    path: '/v1/pipelines/:id/logs',
    summary: "a pipeline's full log; with follow, until it ends",
    access: 'read',
    appScope: 'self',
    params: z.object({ id: pipelineId }),
    query: z.object({ follow: z.enum(['0', '1']).default('0') }),
    event: z.discriminatedUnion('type', [z.object({ type: z.literal('line'), line: z.string() }), z.object({ type: z.literal('end'), status: z.string() })]),
  }),
  previews: endpoint({
    method: 'GET',
    path: '/v1/apps/:app/previews',
    summary: "an app's preview environments with URL, branch, commit and age",
    access: 'read',
    params: z.object({ app: appName }),
    response: z.array(z.object({ env: z.string(), branch: z.string(), url: z.string(), commit: z.string(), pullRequest: z.number().nullable(), createdAt: z.string(), pushedAt: z.string() })),
  }),
  previewRemove: endpoint({
    method: 'DELETE',
    path: '/v1/apps/:app/previews/:env',
    summary: 'tear a preview down now: route, containers, certificate and volumes',
    access: 'deploy',
    params: z.object({ app: appName, env: envName }),
    response: z.object({ env: z.string(), containers: z.number(), volumes: z.array(z.string()) }),
  }),
  gitReceived: streamEndpoint({
    method: 'POST',
    path: GIT_RECEIVED_PATH,
    summary: "the git hook's notice of pushed refs: pipelines start (or previews go) and their progress streams back to the pusher",
    access: 'deploy',
    params: z.object({ app: appName }),
    body: z.object({ updates: z.array(refUpdate).min(1).max(100) }),
    event: deployEvent,
  }),
} as const;
