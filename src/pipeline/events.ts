// What a pipeline tells whoever started it (the CLI, a git push's terminal):
// the deployment events of the API contract.
import type { Api, Event } from '../api/contract.js';

export type DeployEvent = Event<Api['deploy']>;
