// Access: API tokens (create one, shown once; revoke) and dashboard users
// (add, remove). Both need an admin; others see why the page is empty.
import { useState } from 'preact/hooks';
import { call, can, messageOf, type Out, type Session } from '../api.js';
import { Ago, Confirm, ErrorLine, Head, Load, Section } from '../components.js';
import { useData } from '../data.js';

type Scope = Session['scope'];
const scopes: Scope[] = ['read', 'deploy', 'admin'];
type Token = Out<'tokensList'>[number];

export function Settings({ session }: { session: Session }) {
  if (!can(session, 'admin')) {
    return (
      <>
        <h1>Settings</h1>
        <p>Tokens and users are managed by an admin; you are logged in with the scope “{session.scope}”.</p>
      </>
    );
  }
  return (
    <>
      <h1>Settings</h1>
      <Tokens />
      <Users self={session.user} />
    </>
  );
}

/** Field errors of a refused form, by field path, for the message under each input. */
function useFormError() {
  const [error, setError] = useState<{ message: string; fields: Record<string, string> }>();
  return {
    error,
    clear: () => setError(undefined),
    fail: (e: unknown) => {
      const fields: Record<string, string> = {};
      for (const f of (e as { fields?: Array<{ path: string; message: string }> }).fields ?? []) fields[f.path.replace(/^body\./, '')] = f.message;
      setError({ message: messageOf(e), fields });
    },
  };
}

function FieldError({ id, message }: { id: string; message: string | undefined }) {
  return message ? (
    <span class="field-error" id={id}>
      {message}
    </span>
  ) : null;
}

function Tokens() {
  const tokens = useData(() => call('tokensList', {}), 'tokens', () => false);
  const [name, setName] = useState('');
  const [scope, setScope] = useState<Scope>('read');
  const [app, setApp] = useState('');
  const [created, setCreated] = useState<Out<'tokensCreate'>>();
  const [revoking, setRevoking] = useState<Token>();
  const form = useFormError();

  const create = (e: Event): void => {
    e.preventDefault();
    form.clear();
    setCreated(undefined);
    call('tokensCreate', { body: { name: name.trim() || 'default', scope, ...(app.trim() ? { app: app.trim() } : {}) } }).then((t) => {
      setCreated(t);
      setName('');
      setApp('');
      tokens.reload();
    }, form.fail);
  };
  const revoke = (id: string): void => {
    setRevoking(undefined);
    form.clear();
    call('tokensRevoke', { params: { id } }).then(tokens.reload, form.fail);
  };

  return (
    <Section title="API tokens">
      <Load state={tokens} what="tokens">
        {(rows) => (rows.length === 0 ? <p class="muted">No token yet.</p> : <TokenTable rows={rows} onRevoke={setRevoking} />)}
      </Load>

      <form class="inline-form" onSubmit={create} aria-labelledby="new-token">
        <h3 id="new-token">New token</h3>
        <label>
          Name
          <input value={name} onInput={(e) => setName(e.currentTarget.value)} placeholder="default" aria-describedby="token-name-error" />
          <FieldError id="token-name-error" message={form.error?.fields['name']} />
        </label>
        <ScopeSelect value={scope} onChange={setScope} />
        <label>
          App (empty: all apps)
          <input value={app} onInput={(e) => setApp(e.currentTarget.value)} autocapitalize="none" spellcheck={false} aria-describedby="token-app-error" />
          <FieldError id="token-app-error" message={form.error?.fields['app']} />
        </label>
        <button type="submit" class="primary">
          Create token
        </button>
      </form>
      <ErrorLine message={form.error?.message} />
      {created && (
        <div class="card secret" role="status">
          <p>
            Token <strong>{created.name}</strong> ({created.scope}
            {created.app ? ` for ${created.app}` : ''}). Copy it now: it is not shown again.
          </p>
          <label>
            Value
            <input readOnly value={created.token} onFocus={(e) => e.currentTarget.select()} class="mono" data-testid="new-token" />
          </label>
          <button type="button" onClick={() => setCreated(undefined)}>
            Done
          </button>
        </div>
      )}
      {revoking && (
        <Confirm title={`Revoke token ${revoking.name}?`} confirm="Revoke token" danger onConfirm={() => revoke(revoking.id)} onCancel={() => setRevoking(undefined)}>
          <p>Requests with this token ({revoking.id}) are refused from now on.</p>
        </Confirm>
      )}
    </Section>
  );
}

function Users({ self }: { self: string | null }) {
  const users = useData(() => call('usersList', {}), 'users', () => false);
  const [name, setName] = useState('');
  const [password, setPassword] = useState('');
  const [scope, setScope] = useState<Scope>('admin');
  const [removing, setRemoving] = useState<string>();
  const form = useFormError();

  const add = (e: Event): void => {
    e.preventDefault();
    form.clear();
    call('usersAdd', { body: { name: name.trim(), password, scope } }).then(() => {
      setName('');
      setPassword('');
      users.reload();
    }, form.fail);
  };
  const remove = (n: string): void => {
    setRemoving(undefined);
    form.clear();
    call('usersRemove', { params: { name: n } }).then(users.reload, form.fail);
  };

  return (
    <Section title="Users">
      <Load state={users} what="users">
        {(rows) => <UserTable rows={rows} self={self} onRemove={setRemoving} />}
      </Load>
      <form class="inline-form" onSubmit={add} aria-labelledby="new-user">
        <h3 id="new-user">Add a user</h3>
        <label>
          Name
          <input value={name} required autocomplete="off" autocapitalize="none" spellcheck={false} onInput={(e) => setName(e.currentTarget.value)} aria-describedby="user-name-error" />
          <FieldError id="user-name-error" message={form.error?.fields['name']} />
        </label>
        <label>
          Password (10 characters or more)
          <input type="password" value={password} required minLength={10} autocomplete="new-password" onInput={(e) => setPassword(e.currentTarget.value)} aria-describedby="user-password-error" />
          <FieldError id="user-password-error" message={form.error?.fields['password']} />
        </label>
        <ScopeSelect value={scope} onChange={setScope} />
        <button type="submit" class="primary">
          Add user
        </button>
      </form>
      <ErrorLine message={form.error?.message} />
      {removing && (
        <Confirm
          title={`Remove user ${removing}?`}
          confirm="Remove user"
          danger
          onConfirm={() => remove(removing)}
          onCancel={() => setRemoving(undefined)}
        >
          <p>{removing === self ? 'That is you: your session ends with it.' : `${removing} can no longer log in, and their sessions end.`}</p>
        </Confirm>
      )}
    </Section>
  );
}

function TokenTable({ rows, onRevoke }: { rows: readonly Token[]; onRevoke: (t: Token) => void }) {
  return (
    <table class="rows">
      <Head cols={['Token', 'Scope', 'App', 'Created', 'Last used', 'Expires', '']} />
      <tbody>
        {rows.map((t) => (
          <tr key={t.id} data-token={t.id}>
            <th scope="row" data-label="Token">
              {t.name} <code class="muted">{t.id}</code>
            </th>
            <td data-label="Scope">{t.scope}</td>
            <td data-label="App">{t.app ?? 'all apps'}</td>
            <td data-label="Created">
              <Ago at={t.createdAt} />
            </td>
            <td data-label="Last used">{t.lastUsedAt ? <Ago at={t.lastUsedAt} /> : 'never'}</td>
            <td data-label="Expires">{t.expiresAt ? <Ago at={t.expiresAt} /> : 'never'}</td>
            <td data-label="Action">
              <button type="button" class="danger" onClick={() => onRevoke(t)} aria-label={`Revoke token ${t.name} (${t.id})`}>
                Revoke
              </button>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function UserTable({ rows, self, onRemove }: { rows: ReadonlyArray<Out<'usersList'>[number]>; self: string | null; onRemove: (name: string) => void }) {
  return (
    <table class="rows">
      <Head cols={['User', 'Scope', 'Added', 'Last login', '']} />
      <tbody>
        {rows.map((u) => (
          <tr key={u.name} data-user={u.name}>
            <th scope="row" data-label="User">
              {u.name} {u.name === self && <span class="muted">(you)</span>}
            </th>
            <td data-label="Scope">{u.scope}</td>
            <td data-label="Added">
              <Ago at={u.createdAt} />
            </td>
            <td data-label="Last login">{u.lastLoginAt ? <Ago at={u.lastLoginAt} /> : 'never'}</td>
            <td data-label="Action">
              <button type="button" class="danger" onClick={() => onRemove(u.name)} aria-label={`Remove user ${u.name}`}>
                Remove
              </button>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function ScopeSelect({ value, onChange }: { value: Scope; onChange: (s: Scope) => void }) {
  return (
    <label>
      Scope
      <select value={value} onChange={(e) => onChange(e.currentTarget.value as Scope)}>
        {scopes.map((s) => (
          <option key={s} value={s}>
            {s}
          </option>
        ))}
      </select>
    </label>
  );
}
