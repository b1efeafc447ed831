// Shows a deployment's event stream (deploy and rollback alike) and returns
// its result: phases and log lines as they come, then one closing line.
import type { Api, Event } from '../api/contract.js';
import { UserError } from '../errors.js';
import type { GlobalOptions } from './context.js';
import { printJson } from './context.js';

type DeployEvent = Event<Api['deploy']>;
export type DeployResult = Extract<DeployEvent, { type: 'result' }>;

export function deploymentPrinter(g: GlobalOptions): { onEvent(e: DeployEvent): void; finish(verb: string): void } {
  // With --json, stdout carries only the final result.
  const out = g.json ? process.stderr : process.stdout;
  let result: DeployResult | undefined;
  return {
    onEvent: (e) => {
      if (e.type === 'phase') out.write(`==> ${e.name}: ${e.detail}\n`);
      else if (e.type === 'log') out.write(`${e.line}\n`);
      else if (e.type === 'pipeline') out.write(`pipeline ${e.id} (${e.env}): ${e.status}${e.detail ? ` — ${e.detail}` : ''}\n`);
      else if (e.type === 'result') result = e;
    },
    finish: (verb) => {
      if (!result) throw new UserError('the daemon ended the deployment without a result');
      const { type: _type, ...body } = result;
      if (g.json) printJson(body);
      else process.stdout.write(`${verb} ${result.image} (${result.deploymentId})${result.urls.length > 0 ? `: ${result.urls.join(' ')}` : ''}\n`);
    },
  };
}
