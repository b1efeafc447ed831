// The frame around every page: the name, the navigation, who is logged in,
// whether the live feed is connected, and a way out.
import type { ComponentChildren } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import type { Session } from './api.js';
import { onConnection } from './live.js';
import type { Route } from './router.js';

const links: Array<{ href: string; label: string; pages: Array<Route['page']> }> = [
  { href: '#/', label: 'Apps', pages: ['apps', 'env', 'previews', 'pipeline'] },
  { href: '#/certs', label: 'Certificates', pages: ['certs'] },
  { href: '#/settings', label: 'Settings', pages: ['settings'] },
];

export function Layout({ route, session, onLogout, children }: { route: Route; session: Session; onLogout: () => void; children: ComponentChildren }) {
  const [live, setLive] = useState(false);
  useEffect(() => onConnection(setLive), []);
  return (
    <>
      <a class="skip" href="#main" onClick={(e) => (e.preventDefault(), document.getElementById('main')?.focus())}>
        Skip to content
      </a>
      <header class="top">
        <a class="brand" href="#/">
          calma
        </a>
        <nav aria-label="main">
          {links.map((l) => (
            <a key={l.href} href={l.href} aria-current={l.pages.includes(route.page) ? 'page' : undefined}>
              {l.label}
            </a>
          ))}
        </nav>
        <div class="who">
          <span class={`dot ${live ? 'on' : 'off'}`} title={live ? 'live updates on' : 'live updates reconnecting'} role="status" aria-label={live ? 'live' : 'offline'} />
          <span class="user">{session.user ?? session.via}</span>
          {session.via === 'session' && (
            <button type="button" class="link" onClick={onLogout}>
              Log out
            </button>
          )}
        </div>
      </header>
      <main id="main" tabIndex={-1}>
        {children}
      </main>
    </>
  );
}
