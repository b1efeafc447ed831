// Loading a page's data, and loading it again when the live feed says it changed.
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { messageOf } from './api.js';
import { onLive, type StateEvent } from './live.js';

export interface Loaded<T> {
  data: T | undefined;
  error: string | undefined;
  reload: () => void;
}

/**
 * Runs `load` now, whenever `key` changes, and after each live event that
 * `affects` says concerns it (several events in a burst cause one refetch).
 * A failed refetch keeps the last data and shows the error beside it.
 */
export function useData<T>(load: () => Promise<T>, key: string, affects: (e: StateEvent) => boolean = () => true): Loaded<T> {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<string | undefined>(undefined);
  const loadRef = useRef(load);
  loadRef.current = load;
  const affectsRef = useRef(affects);
  affectsRef.current = affects;
  const generation = useRef(0);

  const reload = useCallback(() => {
    const mine = ++generation.current;
    const attempt = (retries: number): void => {
      loadRef.current().then(
        (d) => {
          if (mine !== generation.current) return;
          setData(d);
          setError(undefined);
        },
        (e: unknown) => {
          if (mine !== generation.current) return;
          // A request the browser gave up on (fetch throws a TypeError: the host's
          // network changed under it, the daemon was restarting) is tried once more
          // before the page shows the error.
          if (e instanceof TypeError && retries > 0) setTimeout(() => mine === generation.current && attempt(retries - 1), 1000);
          else setError(messageOf(e));
        },
      );
    };
    attempt(1);
  }, []);

  useEffect(() => {
    setData(undefined);
    setError(undefined);
    reload();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const off = onLive((e) => {
      if (e.type !== 'hello' && !affectsRef.current(e)) return;
      clearTimeout(timer);
      timer = setTimeout(reload, 150);
    });
    return () => {
      off();
      clearTimeout(timer);
      generation.current++;
    };
  }, [key, reload]);

  return { data, error, reload };
}

/** Re-renders every `ms` so relative times ("3 min ago") and running timers stay true. */
export function useTick(ms: number): number {
  const [n, setN] = useState(0);
  useEffect(() => {
    const t = setInterval(() => setN((x) => x + 1), ms);
    return () => clearInterval(t);
  }, [ms]);
  return n;
}
