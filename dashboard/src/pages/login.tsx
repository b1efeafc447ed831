// The login form: a dashboard user's name and password (added on the server
// with `calma users add NAME`). The daemon sets an http-only session cookie.
import { useState } from 'preact/hooks';
import { call, messageOf, type Session } from '../api.js';

export function Login({ onLogin }: { onLogin: (s: Session) => void }) {
  const [user, setUser] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);

  const submit = async (e: Event): Promise<void> => {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      onLogin(await call('login', { body: { user: user.trim(), password } }));
    } catch (err) {
      setError(messageOf(err));
      setBusy(false);
    }
  };

  return (
    <main class="narrow login">
      <h1>calma</h1>
      <form onSubmit={submit} aria-describedby={error ? 'login-error' : undefined}>
        <label>
          User
          <input name="user" autocomplete="username" autocapitalize="none" spellcheck={false} required value={user} onInput={(e) => setUser(e.currentTarget.value)} autofocus />
        </label>
        <label>
          Password
          <input name="password" type="password" autocomplete="current-password" required value={password} onInput={(e) => setPassword(e.currentTarget.value)} />
        </label>
        {error && (
          <p class="error" role="alert" id="login-error">
            {error}
          </p>
        )}
        <button type="submit" class="primary" disabled={busy}>
          {busy ? 'Logging in…' : 'Log in'}
        </button>
      </form>
    </main>
  );
}
