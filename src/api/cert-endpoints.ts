// The endpoints on certificates: what calma holds and how its renewals go,
// and adding one's own certificate for an environment.
import { z } from 'zod';
import { endpoint } from './define.js';
import { appName, envName } from './fields.js';

const certRow = z.object({
  app: z.string(),
  env: z.string(),
  source: z.string(),
  names: z.array(z.string()),
  issuer: z.string().nullable(),
  serial: z.string().nullable(),
  notBefore: z.string().nullable(),
  notAfter: z.string().nullable(),
  lastAttemptAt: z.string().nullable(),
  lastError: z.string().nullable(),
  failures: z.number(),
  nextAttemptAt: z.string().nullable(),
});

export const certEndpoints = {
  certs: endpoint({
    method: 'GET',
    path: '/v1/certs',
    summary: 'every certificate: names, issuer, expiry, the last attempt and its outcome',
    access: 'read',
    appScope: 'self',
    query: z.object({ app: appName.optional() }),
    response: z.array(certRow),
  }),
  certsAdd: endpoint({
    method: 'PUT',
    path: '/v1/apps/:app/certs/:env',
    summary: "use this certificate for an environment's names instead of ACME (checked: the key matches, the names are covered, not expired)",
    access: 'deploy',
    params: z.object({ app: appName, env: envName }),
    body: z.object({ certPem: z.string().min(1).max(1024 * 1024), keyPem: z.string().min(1).max(1024 * 1024) }),
    response: certRow,
  }),
  certsRenew: endpoint({
    method: 'POST',
    path: '/v1/apps/:app/certs/:env/renew',
    summary: "ask the CA for the environment's certificate now (whatever its renewal date or retry backoff) and say how it went",
    access: 'deploy',
    params: z.object({ app: appName, env: envName }),
    response: certRow,
  }),
} as const;
