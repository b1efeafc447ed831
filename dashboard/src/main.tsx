// The dashboard: asks who is logged in, shows the login form or the page the
// hash names, and keeps the live feed open while a session lasts.
import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { call, messageOf, setCsrf, whenUnauthorized, type Session } from './api.js';
import { startLive, stopLive } from './live.js';
import { Layout } from './layout.js';
import { useRoute, type Route } from './router.js';
import { Login } from './pages/login.js';
import { Apps } from './pages/apps.js';
import { Environment } from './pages/environment.js';
import { Previews } from './pages/previews.js';
import { Pipeline } from './pages/pipeline.js';
import { Certs } from './pages/certs.js';
import { Settings } from './pages/settings.js';
import './style.css';



// The session cookie is http-only, so the page cannot see it; this flag (no
// secret in it) says whether asking the daemon who we are is worth a request.
const SESSION_HINT = 'calma.session';
function hadSession(): boolean {
  try {
    return localStorage.getItem(SESSION_HINT) === '1';
  } catch {
    return true;
  }
}
function rememberSession(on: boolean): void {
  try {
    if (on) localStorage.setItem(SESSION_HINT, '1');
    else localStorage.removeItem(SESSION_HINT);
  } catch {
    // Storage disabled: the page asks the daemon on every load instead.
  }
}

function Page({ route, session }: { route: Route; session: Session }) {
  switch (route.page) {
    case 'apps':
      return <Apps />;
    case 'env':
      return <Environment app={route.app} env={route.env} session={session} />;
    case 'previews':
      return <Previews app={route.app} session={session} />;
    case 'pipeline':
      return <Pipeline app={route.app} id={route.id} session={session} />;
    case 'certs':
      return <Certs session={session} />;
    case 'settings':
      return <Settings session={session} />;
    case 'missing':
      return (
        <>
          <h1>Not found</h1>
          <p>
            There is no page at <code>{route.path}</code>. <a href="#/">Back to the apps</a>
          </p>
        </>
      );
  }
}

function App() {
  const route = useRoute();
  // undefined: still asking; null: nobody is logged in.
  const [session, setSession] = useState<Session | null | undefined>(undefined);
  const [error, setError] = useState<string>();

  const begin = (s: Session | null): void => {
    setCsrf(s?.csrf ?? null);
    setSession(s);
    rememberSession(s !== null);
    if (s) startLive();
    else stopLive();
  };

  useEffect(() => {
    whenUnauthorized(() => begin(null));
    // Nobody logged in from this browser: the login form, without a request the daemon must refuse.
    if (!hadSession()) return begin(null);
    call('session', {}).then(begin, (e: unknown) => {
      if ((e as { status?: number }).status === 401) begin(null);
      else setError(messageOf(e));
    });
  }, []);

  // The page's title names where one is, for tabs, history and screen readers.
  useEffect(() => {
    const where = route.page === 'env' ? `${route.app} ${route.env}` : route.page === 'pipeline' ? `pipeline ${route.id}` : route.page === 'previews' ? `${route.app} previews` : route.page;
    document.title = session ? `${where} · calma` : 'log in · calma';
  }, [route, session]);

  if (error) {
    return (
      <main class="narrow">
        <h1>calma</h1>
        <p class="error" role="alert">
          {error}
        </p>
        <button type="button" onClick={() => location.reload()}>
          Try again
        </button>
      </main>
    );
  }
  if (session === undefined) return <main class="narrow" aria-busy="true" />;
  if (session === null) return <Login onLogin={begin} />;
  return (
    <Layout
      route={route}
      session={session}
      onLogout={() => {
        call('logout', {}).finally(() => begin(null));
      }}
    >
      <Page route={route} session={session} />
    </Layout>
  );
}

render(<App />, document.getElementById('app')!);
