// The account page: the password (changed on a server page) and the user's API tokens:
// create one (its key is shown here once, with a copy button), see when each was last
// used, revoke.
import { useId, useState } from 'react'
import { ApiError } from '../api/client'
import { useCreateToken, useRevokeToken, useTokens, type ApiToken, type NewApiToken } from '../api/tokens'

const DAY = 24 * 60 * 60 * 1000
const EXPIRIES = [
  { value: '7', label: 'In 7 days' },
  { value: '30', label: 'In 30 days' },
  { value: '90', label: 'In 90 days' },
  { value: '365', label: 'In a year' },
  { value: 'never', label: 'Never' },
]

const when = (at: string | null, none: string) => (at ? new Date(at).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' }) : none)

export function AccountPage({ username }: { username?: string }) {
  return (
    <main className="content">
      <div className="heading">
        <h1>Account</h1>
        {username && <span className="muted">Signed in as {username}</span>}
      </div>
      <section className="account-section" aria-labelledby="password-heading">
        <div className="row">
          <div>
            <h2 id="password-heading">Password</h2>
            <p className="muted small">Forgot it? Sign out and use “Forgot password?” on the sign-in page.</p>
          </div>
          <a className="button secondary" href="/account/password/">Change password</a>
        </div>
      </section>
      <Tokens />
    </main>
  )
}

function Tokens() {
  const tokens = useTokens()
  const [created, setCreated] = useState<NewApiToken | null>(null)
  return (
    <section className="account-section" aria-labelledby="tokens-heading">
      <h2 id="tokens-heading">API tokens</h2>
      <p className="muted small">
        A token lets a script or a service call the API as you: send it as <code>Authorization: Token &lt;key&gt;</code>.
        Its key is shown once, when you create it; Stepwise keeps only a fingerprint of it.
      </p>
      <CreateToken onCreated={setCreated} />
      {created && <NewKey token={created} onDone={() => setCreated(null)} />}
      {tokens.isError && <div className="error" role="alert">Could not load your tokens: {(tokens.error as Error).message}</div>}
      {tokens.data?.length === 0 && <p className="muted tokens-empty">No tokens yet.</p>}
      {tokens.data && tokens.data.length > 0 && <TokenTable tokens={tokens.data} />}
    </section>
  )
}

function CreateToken({ onCreated }: { onCreated: (token: NewApiToken) => void }) {
  const create = useCreateToken()
  const [name, setName] = useState('')
  const [expiry, setExpiry] = useState('30')
  const ids = { name: useId(), expiry: useId() }
  const problems = create.error instanceof ApiError ? create.error.problems : []
  const fieldError = (field: string) => problems.find((p) => p.field === `/${field}`)?.message
  const submit = (e: React.FormEvent) => {
    e.preventDefault()
    const expires_at = expiry === 'never' ? null : new Date(Date.now() + Number(expiry) * DAY).toISOString()
    create.mutateAsync({ name: name.trim(), expires_at }).then(
      (token) => { setName(''); onCreated(token) },
      () => {}, // shown from create.error
    )
  }
  return (
    <form className="token-create" onSubmit={submit} aria-label="Create a token">
      <div className="field">
        <label htmlFor={ids.name}>Name</label>
        <input id={ids.name} value={name} onChange={(e) => setName(e.target.value)} placeholder="What is it for? (CI, a laptop…)" maxLength={100} aria-invalid={!!fieldError('name')} />
      </div>
      <div className="field">
        <label htmlFor={ids.expiry}>Expires</label>
        <select id={ids.expiry} value={expiry} onChange={(e) => setExpiry(e.target.value)}>
          {EXPIRIES.map((x) => <option key={x.value} value={x.value}>{x.label}</option>)}
        </select>
      </div>
      <button type="submit" disabled={create.isPending || !name.trim()}>{create.isPending ? 'Creating…' : 'Create token'}</button>
      {(fieldError('name') || fieldError('expires_at')) && <p className="field-help error-text">{fieldError('name') ?? fieldError('expires_at')}</p>}
      {create.error && !problems.length && <p className="error" role="alert">{(create.error as Error).message}</p>}
    </form>
  )
}

function NewKey({ token, onDone }: { token: NewApiToken; onDone: () => void }) {
  const [copied, setCopied] = useState<'yes' | 'failed' | null>(null)
  const copy = () => navigator.clipboard.writeText(token.key).then(() => setCopied('yes'), () => setCopied('failed'))
  return (
    <div className="key-once" role="region" aria-label="New token">
      <p><strong>Copy the key of “{token.name}” now.</strong> It is not shown again: if you lose it, revoke the token and create another.</p>
      <div className="key-row">
        <code data-testid="new-token-key">{token.key}</code>
        <button type="button" onClick={copy}>{copied === 'yes' ? 'Copied' : 'Copy'}</button>
        <button type="button" className="secondary" onClick={onDone}>Done</button>
      </div>
      <span className="muted small" role="status">{copied === 'yes' ? 'Copied to the clipboard.' : copied === 'failed' ? 'The browser refused the clipboard: select the key and copy it.' : ''}</span>
    </div>
  )
}

function TokenTable({ tokens }: { tokens: ApiToken[] }) {
  const revoke = useRevokeToken()
  const [now] = useState(() => Date.now()) // when the page opened: an expiry passing meanwhile shows on the next visit
  const ask = (t: ApiToken) => {
    if (window.confirm(`Revoke “${t.name}”? Whatever uses it is refused from now on.`)) revoke.mutate(t.id)
  }
  return (
    <>
      {revoke.error && <div className="error" role="alert">Could not revoke: {(revoke.error as Error).message}</div>}
      <table className="list tokens">
        <thead>
          <tr><th>Name</th><th>Key</th><th>Created</th><th>Expires</th><th>Last used</th><th></th></tr>
        </thead>
        <tbody>
          {tokens.map((t) => {
            const expired = t.expires_at !== null && new Date(t.expires_at).getTime() <= now
            return (
              <tr key={t.id} data-token={t.id}>
                <td className="name">{t.name}</td>
                <td><code>{t.prefix}…</code></td>
                <td className="muted when">{when(t.created_at, '—')}</td>
                <td className={expired ? 'when' : 'muted when'}>{expired ? <span className="badge badge-failed">expired</span> : when(t.expires_at, 'never')}</td>
                <td className="muted when">{when(t.last_used_at, 'never')}</td>
                <td className="actions">
                  <button type="button" className="link danger" onClick={() => ask(t)} disabled={revoke.isPending} aria-label={`Revoke ${t.name}`}>Revoke</button>
                </td>
              </tr>
            )
          })}
        </tbody>
      </table>
    </>
  )
}
