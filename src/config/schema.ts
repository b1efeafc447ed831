// The schema of calma.yml. It is the single source of the configuration: it
// validates, fills in defaults, normalizes (milliseconds, bytes, VolumeSpec) and,
// through its descriptions, becomes the reference docs and the JSON Schema.
// Defaults are given with `prefault`: written as a user would write them, they go
// through the same parsing and show up in the docs as `1s`, not 1000.

import { z } from 'zod';
import { cronSchedule } from './cron.js';
import {
  appName, branchName, command, dnsLabel, duration, envMap, envName, hostName, imageReference,
  httpUrl, imageRepository, previewDomain, registryServer, repoPath, size, stageName, urlPath, volumeName,
} from './fields.js';
import { volume } from './volumes.js';

export type { VolumeSpec } from './volumes.js';

const buildTest = z.strictObject({
  target: stageName.describe('The stage that is built and run as the test; a non-zero exit stops the release.'),
  command: command.optional().describe("The test command, as a list of arguments; default: the stage's own CMD."),
  timeout: duration().prefault('10m').describe('A test running longer than this fails.'),
});

const build = z.strictObject({
  context: z.string().min(1).prefault('.').describe('The directory sent to the engine, relative to calma.yml; .dockerignore is honoured.'),
  dockerfile: z.string().min(1).prefault('Dockerfile').describe('The Dockerfile, relative to the context.'),
  target: stageName.optional().describe('The stage that ships; default: the last stage of the Dockerfile.'),
  args: envMap.prefault({}).describe('Build arguments (--build-arg).'),
  max_context: size.prefault('1g').describe('A build context larger than this is refused, so a forgotten .dockerignore cannot fill the disk.'),
  test: buildTest.optional().describe('A test stage built and run before anything ships.'),
  dev: z
    .strictObject({ target: stageName.describe('The stage `calma dev` runs, with the source bind-mounted.') })
    .optional()
    .describe('The development container of `calma dev`.'),
});

const registry = z
  .strictObject({
    // Required rather than defaulting to Docker Hub: a private image is never pushed to a public registry by accident.
    server: registryServer.describe('The registry host, with an optional port (host[:port]).'),
    image: imageRepository.optional().describe('The repository in the registry; default: the app name.'),
    username: z.string().min(1).optional().describe('The user to log in as; without one, pushes and pulls are anonymous.'),
    password_env: envName.optional().describe('The environment variable that holds the password.'),
    password_file: z.string().min(1).optional().describe('A file that holds the password (instead of password_env).'),
  })
  .superRefine((r, ctx) => {
    if (r.password_env !== undefined && r.password_file !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['password_file'], message: 'set only one of password_env and password_file' });
    }
    if ((r.password_env ?? r.password_file) !== undefined && r.username === undefined) {
      ctx.addIssue({ code: 'custom', path: ['username'], message: 'missing required key "username"' });
    }
  });

const healthcheck = z.strictObject({
  path: urlPath.prefault('/up').describe('The HTTP path requested from every new container; any 2xx answer is healthy.'),
  interval: duration().prefault('1s').describe('The time between two checks; a container whose port still refuses connections is asked again after 25 ms.'),
  timeout: duration().prefault('5s').describe('How long one check may take.'),
  deadline: duration().prefault('60s').describe('A container not healthy by then fails the deployment, which rolls back.'),
});

const web = z.strictObject({
  port: z.int().min(1).max(65535).prefault(8080).describe('The port the app listens on inside the container.'),
  replicas: z.int().min(1).prefault(1).describe('How many containers serve traffic, round-robin behind the edge.'),
  command: command.optional().describe("The command of the web containers; default: the image's CMD."),
  healthcheck: healthcheck.prefault({}).describe('How a new container proves it is ready before traffic moves to it.'),
  drain: duration({ allowZero: true }).prefault('30s').describe('How long old containers may finish in-flight requests before they stop.'),
  max_body: size.prefault('100m').describe('Request bodies larger than this are answered with 413.'),
});

const service = z.strictObject({
  image: imageReference.describe('The image to run, with its tag, e.g. mariadb:10.2.'),
  command: command.optional().describe("The command; default: the image's CMD."),
  env: envMap.prefault({}).describe('Environment variables.'),
  env_file: z.string().min(1).optional().describe('A file of KEY=VALUE lines, relative to calma.yml.'),
  volumes: z.array(volume).prefault([]).describe('Volumes, as for the app.'),
  port: z
    .int()
    .min(1)
    .max(65535)
    .optional()
    .describe("The port the service listens on inside its container, e.g. 5432: exposed on the environment's network (never published on the host) and shown by `calma services`."),
  backup: z
    .strictObject({
      dump: command.describe('Writes a consistent copy of the data to its standard output.'),
      restore: command.describe('Reads such a copy from its standard input.'),
    })
    .optional()
    .describe('How to take and restore a consistent copy of the data, run in the service container.'),
}).describe('A service, named by its key.');

const environment = z.strictObject({
  branch: branchName.describe('The git branch that deploys to this environment.'),
  domains: z.array(hostName).optional().describe('Its host names; default: the top-level domains for production, none for others.'),
}).describe('An environment, named by its key.');

const previews = z.strictObject({
  branches: z.array(z.string().min(1)).min(1).describe('Glob patterns of the branches that get a preview, e.g. feature/*.'),
  domain: previewDomain.describe('The host name of a preview; {branch} becomes the branch name as a safe DNS label.'),
  // `empty` by default: production data (personal data included) is copied only when asked for.
  data: z.enum(['copy', 'empty']).prefault('empty').describe("copy: start from a copy of production's volumes; empty: start with empty volumes."),
  ttl: duration().prefault('7d').describe('A preview is removed after this long without a push.'),
  max: z.int().min(1).prefault(10).describe('At most this many previews exist at once.'),
});

const source = z.strictObject({
  repository: httpUrl.optional().describe('The clone URL webhooks fetch pushed commits from.'),
  token: envName
    .optional()
    .describe('The name of a secret (`calma secrets set`) holding a token: the HTTP password for fetching, and the API token for commit statuses. Never injected into containers.'),
  status: z
    .strictObject({
      provider: z.enum(['github', 'gitlab', 'gitea']).describe('The git host.'),
      api: httpUrl.describe('Its API base URL, e.g. https://api.github.com, https://gitlab.com/api/v4, https://gitea.example.com/api/v1.'),
      repo: repoPath.describe('The repository on the host, e.g. team/shop.'),
    })
    .optional()
    .describe("Report each pipeline's test gate as a commit status (context calma/test), so merges can depend on it; needs token."),
});

const document = z.strictObject({
  app: appName.describe('The app name; it names containers, volumes and host names. The only required key.'),
  build: build.prefault({}).describe('How the image is built.'),
  registry: registry.optional().describe('Where images are pushed and pulled from. Optional on one server, required for several.'),
  web: web.prefault({}).describe('The process the edge routes HTTP traffic to.'),
  domains: z.array(hostName).prefault([]).describe("The production environment's host names; a leading *. is a wildcard."),
  https: z.boolean().prefault(true).describe('ACME certificates for every domain; false serves plain HTTP.'),
  hsts: z.boolean().prefault(false).describe('Send Strict-Transport-Security so that browsers insist on HTTPS; needs https.'),
  env: envMap.prefault({}).describe('Environment variables of the app containers.'),
  secrets: z.array(envName).prefault([]).describe('Names of secret variables; their values are set with `calma secrets set`, never here.'),
  env_file: z.string().min(1).optional().describe('A file of KEY=VALUE lines, relative to calma.yml, added to the environment.'),
  volumes: z
    .array(volume)
    .prefault([])
    .describe('Mounts: `name:/path` (a named volume, kept across releases), `./dir:/path[:ro]` (a host path), or a mapping with type, source, target.'),
  release: command.optional().describe('Run once per deployment in a new container, before traffic moves (migrations); a failure rolls back.'),
  keep: z
    .int()
    .min(1)
    .max(100)
    .prefault(5)
    .describe('Releases kept per environment for rollback, besides the serving one: their stopped containers, and their images. Older ones are removed after each deployment, with the images calma built for them unless a kept release or another container uses them.'),
  backup: z
    .strictObject({
      volumes: z.array(volumeName).prefault([]).describe('Named volumes snapshotted before every deployment.'),
      keep: z.int().min(1).prefault(10).describe('Snapshots kept per environment.'),
      schedule: cronSchedule
        .optional()
        .describe('When the daemon also takes a backup: a cron schedule like "0 3 * * *" (minute hour day month weekday, optionally with seconds first), in the server\'s time zone.'),
    })
    .prefault({})
    .describe('What is saved before every deployment and on `schedule`, and restored if a deployment fails after the release command ran.'),
  services: z.record(dnsLabel, service).prefault({}).describe('Accessories (databases, caches): started once, kept across releases, reachable by their name.'),
  environments: z
    .record(dnsLabel, environment)
    .optional()
    .describe('Which branch deploys where; default: production, from main, on the top-level domains.'),
  previews: previews.optional().describe('One environment per matching branch or pull request.'),
  source: source.optional().describe('Where the code comes from for webhooks, and where test results are reported.'),
});

type Document = z.output<typeof document>;

/** Checks between keys, which the shape alone cannot express. */
function checkReferences(c: Document, ctx: z.core.$RefinementCtx<Document>): void {
  const named = [...c.volumes, ...Object.values(c.services).flatMap((s) => s.volumes)].flatMap((v) =>
    v.type === 'volume' ? [v.source] : [],
  );
  c.backup.volumes.forEach((name, i) => {
    if (named.includes(name)) return;
    const declared = named.length > 0 ? ` (${[...new Set(named)].join(', ')})` : '';
    ctx.addIssue({
      code: 'custom',
      path: ['backup', 'volumes', i],
      message: `expected a named volume declared in volumes or services${declared}, got "${name}"`,
    });
  });
  if (c.source?.status && !c.source.token) ctx.addIssue({ code: 'custom', path: ['source', 'status'], message: 'expected source.token too: commit statuses need a token' });
  if (c.hsts && !c.https) ctx.addIssue({ code: 'custom', path: ['hsts'], message: 'expected false when https is false, got true' });
}

export interface EnvironmentConfig {
  branch: string;
  domains: string[];
}

function environmentsOf(c: Document): Record<string, EnvironmentConfig> {
  const given = c.environments ?? { production: { branch: 'main', domains: undefined } };
  return Object.fromEntries(
    Object.entries(given).map(([name, e]) => [name, { branch: e.branch, domains: e.domains ?? (name === 'production' ? c.domains : []) }]),
  );
}

export const calmaSchema = document
  .superRefine(checkReferences)
  .transform((c) => ({
    ...c,
    registry: c.registry && { ...c.registry, image: c.registry.image ?? c.app },
    environments: environmentsOf(c),
  }))
  .meta({ title: 'calma.yml', description: 'The definition of an application deployed by calma.' });

export type CalmaConfig = z.output<typeof calmaSchema>;
export type BuildConfig = CalmaConfig['build'];
export type BuildTestConfig = NonNullable<BuildConfig['test']>;
export type RegistryConfig = NonNullable<CalmaConfig['registry']>;
export type WebConfig = CalmaConfig['web'];
export type HealthcheckConfig = WebConfig['healthcheck'];
export type BackupConfig = CalmaConfig['backup'];
export type ServiceConfig = CalmaConfig['services'][string];
export type PreviewsConfig = NonNullable<CalmaConfig['previews']>;
