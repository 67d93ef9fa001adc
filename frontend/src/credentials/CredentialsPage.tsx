// The Credentials page: the user's credentials (which secrets are set, never their values),
// a form to add or edit one, delete with a confirmation, and "Test" against the far side.
import { useQueryClient } from '@tanstack/react-query'
import { Fragment, useState } from 'react'
import { ApiError, call, client } from '../api/client'
import { CREDENTIALS_KEY, testTakesUrl, useCredentials, useCredentialTypes, type Credential, type CredentialTest } from './api'
import { CredentialDialog } from './CredentialDialog'

function explain(err: unknown): string {
  return err instanceof ApiError ? [err.message, ...err.problems.map((p) => p.message)].join(' ') : String(err)
}

type Editing = { kind: 'new' } | { kind: 'edit'; credential: Credential } | null

export function CredentialsPage() {
  const queryClient = useQueryClient()
  const types = useCredentialTypes()
  const list = useCredentials()
  const [editing, setEditing] = useState<Editing>(null)
  const [error, setError] = useState<string | null>(null)
  const [testing, setTesting] = useState<number | null>(null)
  const titleOf = (type: string) => types.data?.find((t) => t.type === type)?.title ?? type

  const remove = async (credential: Credential) => {
    if (!window.confirm(`Delete “${credential.name}”? Steps that use it will fail until they are given another.`)) return
    setError(null)
    try {
      await call(client.DELETE('/api/credentials/{id}/', { params: { path: { id: String(credential.id) } } }))
      await queryClient.invalidateQueries({ queryKey: CREDENTIALS_KEY })
    } catch (err) {
      setError(explain(err))
    }
  }

  const credentials = list.data
  const editedTypes = editing?.kind === 'edit' ? (types.data ?? []).filter((t) => t.type === editing.credential.type) : (types.data ?? [])
  return (
    <main className="content">
      <div className="heading">
        <div>
          <h1>Credentials</h1>
          <p className="muted subtitle">API keys, tokens and passwords your steps use. Secrets are stored encrypted and never shown again.</p>
        </div>
        <button type="button" onClick={() => setEditing({ kind: 'new' })} disabled={!types.data}>New credential</button>
      </div>
      {error && <div className="error" role="alert">{error}</div>}
      {list.isLoading && <p className="muted">Loading credentials…</p>}
      {list.isError && <div className="error" role="alert">Could not load credentials: {explain(list.error)}</div>}
      {credentials?.length === 0 && (
        <div className="empty">
          <h2>No credentials yet</h2>
          <p>Add one here, or from an HTTP step's panel with “Create new…”.</p>
        </div>
      )}
      {credentials && credentials.length > 0 && (
        <table className="list credentials">
          <thead>
            <tr><th>Name</th><th>Type</th><th>Secrets</th><th>Updated</th><th /></tr>
          </thead>
          <tbody>
            {credentials.map((c) => (
              <Fragment key={c.id}>
                <tr data-testid={`credential-${c.id}`}>
                  <td>
                    <span className="name">{c.name}</span>
                    {Object.keys(c.values).length > 0 && (
                      <div className="muted small">
                        {Object.entries(c.values).map(([k, v]) => `${k}: ${String(v)}`).join(' · ')}
                      </div>
                    )}
                  </td>
                  <td>{titleOf(c.type)}</td>
                  <td>
                    {c.secrets_set.length
                      ? c.secrets_set.map((s) => <span key={s} className="badge on secret-badge">{s} set</span>)
                      : <span className="muted">none</span>}
                  </td>
                  <td className="muted">{new Date(c.updated_at).toLocaleString()}</td>
                  <td className="actions">
                    {types.data?.find((t) => t.type === c.type)?.testable && (
                      <button type="button" className="link" aria-expanded={testing === c.id} onClick={() => setTesting(testing === c.id ? null : c.id)}>Test</button>
                    )}
                    <button type="button" className="link" onClick={() => setEditing({ kind: 'edit', credential: c })}>Edit</button>
                    <button type="button" className="link danger" onClick={() => void remove(c)}>Delete</button>
                  </td>
                </tr>
                {testing === c.id && (
                  <tr className="test-row">
                    <td colSpan={5}><TestPanel credential={c} /></td>
                  </tr>
                )}
              </Fragment>
            ))}
          </tbody>
        </table>
      )}
      {editing && (
        <CredentialDialog
          types={editedTypes}
          credential={editing.kind === 'edit' ? editing.credential : undefined}
          onSaved={() => setEditing(null)}
          onClose={() => setEditing(null)}
        />
      )}
    </main>
  )
}

/** POST …/test/ (with a URL for HTTP types) and the answer inline, green or red. */
function TestPanel({ credential }: { credential: Credential }) {
  const takesUrl = testTakesUrl(credential.type)
  const [url, setUrl] = useState('')
  const [pending, setPending] = useState(false)
  const [result, setResult] = useState<CredentialTest | null>(null)
  const run = async (e: React.FormEvent) => {
    e.preventDefault()
    setPending(true)
    setResult(null)
    try {
      const body = takesUrl && url.trim() ? { url: url.trim() } : {}
      setResult(await call(client.POST('/api/credentials/{id}/test/', { params: { path: { id: String(credential.id) } }, body })))
    } catch (err) {
      setResult({ ok: false, message: explain(err), status: null })
    } finally {
      setPending(false)
    }
  }
  return (
    <form className="test-panel" onSubmit={run}>
      {takesUrl && (
        <input
          className="search"
          type="url"
          aria-label={`URL to test ${credential.name} against`}
          placeholder="https://api.example.com/me — a GET with this credential"
          value={url}
          onChange={(e) => setUrl(e.target.value)}
        />
      )}
      <button type="submit" className="secondary" disabled={pending}>{pending ? 'Testing…' : takesUrl ? 'Test with this URL' : 'Test'}</button>
      {result && (
        <span role="status" className={result.ok ? 'test-result ok' : 'test-result failed'} data-testid="test-result">
          {result.ok ? '✓' : '✕'} {result.message}
        </span>
      )}
    </form>
  )
}
