// Input fields and events several endpoints share.
import { z } from 'zod';

export const appName = z.string().regex(/^[a-z](?:[a-z0-9-]{0,38}[a-z0-9])?$/, 'expected an app name like shop');
export const envName = z.string().regex(/^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/, 'expected an environment name like production');

export const serviceName = z.string().regex(/^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/, 'expected a service name like db');
export const backupId = z.string().regex(/^b[0-9a-z]{6,16}$/, 'expected a backup id like bmc3x9k2f001');
export const secretName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'expected an environment variable name like DATABASE_PASSWORD');

/** Progress of a deployment (deploy and rollback alike). */
export const deployEvent = z.discriminatedUnion('type', [
  z.object({ type: z.literal('phase'), name: z.string(), detail: z.string() }),
  z.object({ type: z.literal('log'), line: z.string() }),
  z.object({ type: z.literal('result'), deploymentId: z.string(), image: z.string(), version: z.string(), urls: z.array(z.string()) }),
  // A pipeline's state: queued behind another, running, or how it ended (superseded, cancelled…).
  z.object({ type: z.literal('pipeline'), id: z.string(), env: z.string(), status: z.string(), detail: z.string().optional() }),
  z.object({ type: z.literal('end') }),
]);
