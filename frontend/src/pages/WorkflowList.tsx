// The workflow list: search, create, rename, duplicate, delete, import a JSON file, export.
import { useRef, useState } from 'react'
import { ApiError } from '../api/client'
import { exportWorkflow, useWorkflowAction, useWorkflowList, type WorkflowAction } from '../api/lists'
import type { WorkflowSummary } from '../api/queries'
import { navigate } from '../router'

function explain(err: unknown): string {
  return err instanceof ApiError ? [err.message, ...err.problems.map((p) => p.message)].join(' ') : String(err)
}

export function WorkflowList() {
  const [search, setSearch] = useState('')
  const [name, setName] = useState('')
  const [error, setError] = useState<string | null>(null)
  const fileInput = useRef<HTMLInputElement>(null)
  const list = useWorkflowList(search)
  const action = useWorkflowAction()

  const act = (what: WorkflowAction, onDone?: (id: number | null) => void) => {
    setError(null)
    action.mutateAsync(what).then(onDone, (err: unknown) => setError(explain(err)))
  }

  const create = (event: React.FormEvent) => {
    event.preventDefault()
    act({ verb: 'create', name: name.trim() }, (id) => {
      setName('')
      navigate(`/workflows/${id}`)
    })
  }

  const importFile = async (file: File) => {
    let body: unknown
    try {
      body = JSON.parse(await file.text())
    } catch {
      setError(`${file.name} is not a JSON file exported from Stepwise.`)
      return
    }
    act({ verb: 'import', body })
  }

  const exportOne = async (wf: WorkflowSummary) => {
    const data = await exportWorkflow(wf.id)
    const url = URL.createObjectURL(new Blob([JSON.stringify(data, null, 2)], { type: 'application/json' }))
    const a = document.createElement('a')
    a.href = url
    a.download = `${wf.name.replace(/[^\w-]+/g, '_')}.stepwise.json`
    a.click()
    URL.revokeObjectURL(url)
  }

  const workflows = list.data?.results
  return (
    <main className="content">
      <div className="heading">
        <h1>Workflows</h1>
        <form className="create" onSubmit={create}>
          <input aria-label="New workflow name" placeholder="New workflow name" value={name} onChange={(e) => setName(e.target.value)} required maxLength={200} />
          <button type="submit" disabled={!name.trim()}>Create workflow</button>
        </form>
      </div>
      <div className="filters">
        <input className="search" placeholder="Search by name…" aria-label="Search workflows" value={search} onChange={(e) => setSearch(e.target.value)} />
        <button type="button" className="secondary" onClick={() => fileInput.current?.click()}>Import JSON…</button>
        <input ref={fileInput} type="file" accept="application/json,.json" hidden data-testid="import-file" onChange={(e) => e.target.files?.[0] && void importFile(e.target.files[0])} />
      </div>
      {error && <div className="error" role="alert">{error}</div>}
      {list.isLoading && <p className="muted">Loading workflows…</p>}
      {list.isError && <div className="error" role="alert">Could not load workflows: {explain(list.error)}</div>}
      {workflows?.length === 0 && (
        <div className="empty">
          <h2>{search ? `No workflow matches “${search}”` : 'No workflows yet'}</h2>
          <p>{search ? 'Try another name.' : 'Create your first workflow above, or import one exported from Stepwise.'}</p>
        </div>
      )}
      {workflows && workflows.length > 0 && (
        <table className="list">
          <thead>
            <tr><th>Name</th><th>Version</th><th>Status</th><th>Updated</th><th /></tr>
          </thead>
          <tbody>
            {workflows.map((wf) => (
              <tr key={wf.id}>
                <td>
                  <a href={`/workflows/${wf.id}`} className="name" onClick={(e) => { e.preventDefault(); navigate(`/workflows/${wf.id}`) }}>{wf.name}</a>
                  {wf.description && <div className="muted small">{wf.description}</div>}
                </td>
                <td>{wf.latest_version ? `v${wf.latest_version}` : '—'}</td>
                <td><span className={wf.active ? 'badge on' : 'badge'}>{wf.active ? 'Active' : 'Inactive'}</span></td>
                <td className="muted">{new Date(wf.updated_at).toLocaleString()}</td>
                <td className="actions">
                  <button type="button" className="link" onClick={() => {
                    const next = window.prompt('Rename workflow', wf.name)
                    if (next && next.trim() && next !== wf.name) act({ verb: 'rename', id: wf.id, name: next.trim() })
                  }}>Rename</button>
                  <button type="button" className="link" onClick={() => act({ verb: 'duplicate', id: wf.id })}>Duplicate</button>
                  <button type="button" className="link" onClick={() => void exportOne(wf).catch((err) => setError(explain(err)))}>Export</button>
                  <button type="button" className="link danger" onClick={() => {
                    if (window.confirm(`Delete “${wf.name}”? Its versions go with it.`)) act({ verb: 'delete', id: wf.id })
                  }}>Delete</button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </main>
  )
}
