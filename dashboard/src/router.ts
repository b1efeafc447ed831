// Hash routes (#/apps/shop/production): the daemon serves one index.html and
// every page is a fragment of it, so reloads and bookmarks need nothing of the server.
import { useEffect, useState } from 'preact/hooks';

export type Route =
  | { page: 'apps' }
  | { page: 'env'; app: string; env: string }
  | { page: 'previews'; app: string }
  | { page: 'pipeline'; app: string; id: string }
  | { page: 'certs' }
  | { page: 'settings' }
  | { page: 'missing'; path: string };

export function parseRoute(hash: string): Route {
  const path = hash.replace(/^#/, '') || '/';
  const parts = path.split('/').filter((p) => p !== '').map(decodeURIComponent);
  const [a, b, c] = parts;
  if (parts.length === 0 || (a === 'apps' && parts.length === 1)) return { page: 'apps' };
  if (a === 'apps' && b && c && parts.length === 3) return { page: 'env', app: b, env: c };
  // Previews and pipelines have their own prefix: an environment may be named anything.
  if (a === 'previews' && b && parts.length === 2) return { page: 'previews', app: b };
  if (a === 'pipelines' && b && c && parts.length === 3) return { page: 'pipeline', app: b, id: c };
  if (a === 'certs' && parts.length === 1) return { page: 'certs' };
  if (a === 'settings' && parts.length === 1) return { page: 'settings' };
  return { page: 'missing', path };
}

/** The link to a page; every segment is encoded. */
export function href(...segments: string[]): string {
  return `#/${segments.map(encodeURIComponent).join('/')}`;
}

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(location.hash));
  useEffect(() => {
    const update = (): void => setRoute(parseRoute(location.hash));
    addEventListener('hashchange', update);
    return () => removeEventListener('hashchange', update);
  }, []);
  return route;
}
