// The live feed: one EventSource on /v1/events for the whole page. Pages
// subscribe with a filter and refetch what an event says has changed. When the
// feed drops, the browser reconnects; each (re)connection starts with `hello`,
// which every subscriber treats as "anything may have changed".
import { ApiFailure, call, follow, type Ev } from './api.js';

export type StateEvent = Ev<'events'>;
type Listener = (e: StateEvent) => void;

const listeners = new Set<Listener>();
let close: (() => void) | undefined;
let retry: ReturnType<typeof setTimeout> | undefined;
let connected = false;
const connectionListeners = new Set<(up: boolean) => void>();

function setConnected(up: boolean): void {
  if (up === connected) return;
  connected = up;
  for (const f of connectionListeners) f(up);
}

/** Opens the feed (after login); reopens it a few seconds after a refusal. */
export function startLive(): void {
  stopLive();
  close = follow('events', {}, {
    open: () => setConnected(true),
    retrying: () => setConnected(false),
    event: (e) => {
      for (const f of listeners) f(e);
    },
    error: () => {
      setConnected(false);
      close?.();
      retry = setTimeout(reconnect, 3000);
    },
  });
}

// The feed was refused or the daemon went away. Asking who we are first tells
// the two apart without a stream of refused requests: a 401 ends the session
// (the page shows the login form and stops the feed), a daemon still down is
// asked again later, and a session still valid gets its feed back.
function reconnect(): void {
  call('session', {}).then(startLive, (e: unknown) => {
    if (e instanceof ApiFailure && e.status === 401) return;
    retry = setTimeout(reconnect, 5000);
  });
}

export function stopLive(): void {
  clearTimeout(retry);
  close?.();
  close = undefined;
  setConnected(false);
}

export function onLive(f: Listener): () => void {
  listeners.add(f);
  return () => listeners.delete(f);
}

export function onConnection(f: (up: boolean) => void): () => void {
  connectionListeners.add(f);
  f(connected);
  return () => connectionListeners.delete(f);
}
