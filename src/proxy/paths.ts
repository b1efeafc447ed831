// Where each file of the managed nginx lives inside its prefix. One place, so
// the renderer (which writes these paths into nginx.conf) and the code that
// runs nginx (which passes them as flags) can never disagree.

import { join } from 'node:path';
import type { EdgeSettings } from './routes.js';

export interface EdgePaths {
  conf: string;
  /** nginx.conf with one environment's file as its only include: what `nginx -t` checks before a route changes. */
  checkConf: string;
  pid: string;
  logs: string;
  errorLog: string;
  accessLog: string;
  /** One include file per environment. */
  envs: string;
  /** ACME HTTP-01 challenge files, by token (served at /.well-known/acme-challenge/). */
  challenges: string;
  /** Defines $calma_request_id; rewritten whenever a new nginx master starts (renderRequestIdConfig). */
  requestIds: string;
  /** Marker files `<app>--<env>.b`: present while slot b is live (nginx checks per request). */
  live: string;
  /** Parent of the five *_temp_path directories (request bodies, buffered responses). */
  temp: string;
}

export function edgePaths(settings: Pick<EdgeSettings, 'prefix'>): EdgePaths {
  const p = settings.prefix;
  return {
    conf: join(p, 'nginx.conf'),
    checkConf: join(p, 'check.conf'),
    pid: join(p, 'nginx.pid'),
    logs: join(p, 'logs'),
    errorLog: join(p, 'logs', 'error.log'),
    accessLog: join(p, 'logs', 'access.log'),
    envs: join(p, 'envs'),
    requestIds: join(p, 'request-id.conf'),
    live: join(p, 'live'),
    challenges: join(p, 'acme-challenge'),
    temp: join(p, 'temp'),
  };
}

/** The same `-p -c -e` for every nginx invocation, so none ever reads the system config. */
export function nginxBaseArgs(settings: Pick<EdgeSettings, 'prefix'>, conf = edgePaths(settings).conf): string[] {
  const paths = edgePaths(settings);
  return ['-p', settings.prefix, '-c', conf, '-e', paths.errorLog];
}
