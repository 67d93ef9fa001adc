import { useCallback, useEffect, useState } from 'react'
import { api, ApiError } from './api/client'

type Me = { id: number; username: string }
type WorkflowSummary = {
  id: number
  name: string
  description: string
  active: boolean
  latest_version: number | null
  updated_at: string
}
type Page<T> = { count: number; results: T[] }

function formatDate(value: string): string {
  return new Date(value).toLocaleString()
}

export default function App() {
  const [me, setMe] = useState<Me | null>(null)
  const [workflows, setWorkflows] = useState<WorkflowSummary[] | null>(null)
  const [error, setError] = useState<string | null>(null)
  const [name, setName] = useState('')

  const load = useCallback(async () => {
    try {
      const page = await api<Page<WorkflowSummary>>('/api/workflows/?page_size=200')
      setWorkflows(page.results)
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err))
    }
  }, [])

  useEffect(() => {
    api<Me>('/api/me/').then(setMe, () => setMe(null))
    void load()
  }, [load])

  async function create(event: React.FormEvent) {
    event.preventDefault()
    setError(null)
    try {
      await api('/api/workflows/', { method: 'POST', body: JSON.stringify({ name: name.trim() }) })
      setName('')
      await load()
    } catch (err) {
      setError(err instanceof ApiError ? `${err.message} ${err.problems.map((p) => p.message).join(' ')}` : String(err))
    }
  }

  return (
    <div className="page">
      <header className="topbar">
        <div className="brand">
          <span className="logo">↪</span> Stepwise
        </div>
        <nav>
          <a href="/api/docs/">API docs</a>
          {me && <span className="user">{me.username}</span>}
          <form method="post" action="/logout/">
            <input type="hidden" name="csrfmiddlewaretoken" value={document.cookie.match(/csrftoken=([^;]+)/)?.[1] ?? ''} />
            <button type="submit" className="link">Sign out</button>
          </form>
        </nav>
      </header>
      <main className="content">
        <div className="heading">
          <h1>Workflows</h1>
          <form className="create" onSubmit={create}>
            <input aria-label="New workflow name" placeholder="New workflow name" value={name} onChange={(e) => setName(e.target.value)} required maxLength={200} />
            <button type="submit" disabled={!name.trim()}>Create workflow</button>
          </form>
        </div>
        {error && <div className="error" role="alert">{error}</div>}
        {workflows === null && !error && <p className="muted">Loading workflows…</p>}
        {workflows?.length === 0 && (
          <div className="empty">
            <h2>No workflows yet</h2>
            <p>Create your first workflow above, or import one through the API (<code>POST /api/workflows/import/</code>).</p>
          </div>
        )}
        {workflows && workflows.length > 0 && (
          <table className="list">
            <thead>
              <tr><th>Name</th><th>Version</th><th>Status</th><th>Updated</th></tr>
            </thead>
            <tbody>
              {workflows.map((wf) => (
                <tr key={wf.id}>
                  <td>
                    <div className="name">{wf.name}</div>
                    {wf.description && <div className="muted small">{wf.description}</div>}
                  </td>
                  <td>{wf.latest_version ? `v${wf.latest_version}` : '—'}</td>
                  <td><span className={wf.active ? 'badge on' : 'badge'}>{wf.active ? 'Active' : 'Inactive'}</span></td>
                  <td className="muted">{formatDate(wf.updated_at)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </main>
    </div>
  )
}
