// The live feed of state changes: the stores publish here as they record a
// deployment, a pipeline or a preview changing state, and the API's events
// stream relays it (the dashboard refetches what changed instead of polling).
import { EventEmitter } from 'node:events';
import type { z } from 'zod';
import type { stateEvent } from '../api/auth-endpoints.js';

export type StateEvent = Exclude<z.infer<typeof stateEvent>, { type: 'hello' } | { type: 'end' }>;
type Change<T extends StateEvent['type']> = Omit<Extract<StateEvent, { type: T }>, 'type' | 'at'>;

export class StateFeed {
  private readonly emitter = new EventEmitter();

  constructor() {
    // Every open dashboard tab listens; that is not a leak.
    this.emitter.setMaxListeners(0);
  }

  deployment(e: Change<'deployment'>): void {
    this.publish({ type: 'deployment', ...e, at: new Date().toISOString() });
  }

  pipeline(e: Change<'pipeline'>): void {
    this.publish({ type: 'pipeline', ...e, at: new Date().toISOString() });
  }

  preview(e: Change<'preview'>): void {
    this.publish({ type: 'preview', ...e, at: new Date().toISOString() });
  }

  backup(e: Change<'backup'>): void {
    this.publish({ type: 'backup', ...e, at: new Date().toISOString() });
  }

  cert(e: Change<'cert'>): void {
    this.publish({ type: 'cert', ...e, at: new Date().toISOString() });
  }

  /** Calls `listener` for every change until the returned function is called. */
  subscribe(listener: (e: StateEvent) => void): () => void {
    this.emitter.on('change', listener);
    return () => this.emitter.off('change', listener);
  }

  private publish(e: StateEvent): void {
    this.emitter.emit('change', e);
  }
}
