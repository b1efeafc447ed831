// The dashboard's files, served on the TCP listener: the page and its
// hashed assets are public (they hold no data; every API call they make is
// authenticated), everything else on this listener still needs a credential.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';

/** Where `vite build` puts the dashboard: dist/dashboard, beside dist/src. */
export const dashboardDir = fileURLToPath(new URL('../../dashboard/', import.meta.url));

export function registerDashboard(app: FastifyInstance, dir = dashboardDir): boolean {
  if (!existsSync(`${dir}/index.html`)) return false;
  void app.register(fastifyStatic, { root: dir, serve: false });
  // The page can be framed by no one and runs only its own scripts.
  const headers = {
    'content-security-policy': "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
  };
  app.get('/', { config: { selfAuth: true } }, (_req, reply) => reply.headers(headers).header('cache-control', 'no-cache').sendFile('index.html'));
  // Assets carry a content hash in their names: cached for good.
  app.get('/assets/*', { config: { selfAuth: true } }, (req, reply) => {
    const rest = (req.params as { '*': string })['*'];
    return reply.headers(headers).sendFile(`assets/${rest}`, { maxAge: '365d', immutable: true });
  });
  return true;
}
