// The workflow list: search by name, filter by tag, each workflow with its tags, active state,
// newest run (a badge linked to it, and when) and run count; create, start from a template,
// rename, tag, duplicate, delete, import a JSON file, export.
import { useQuery } from '@tanstack/react-query'
import { useMemo, useRef, useState } from 'react'
import { ApiError, call, client } from '../api/client'
import { exportWorkflow, useWorkflowAction, useWorkflowNames, type WorkflowAction } from '../api/lists'
import type { WorkflowSummary } from '../api/queries'
import { navigate } from '../router'
import { TemplateGalleryDialog } from '../templates/TemplateGallery'
import { Icon } from './icons'
import { relativeTime } from './relativeTime'
import { useSetTags } from './tags'

function explain(err: unknown): string {
  return err instanceof ApiError ? [err.message, ...err.problems.map((p) => p.message)].join(' ') : String(err)
}

const useLibrary = (search: string, tag: string) =>
  useQuery({
    queryKey: ['workflows', 'library', search, tag],
    queryFn: () => call(client.GET('/api/workflows/', { params: { query: { page_size: 200, ordering: '-updated_at', search, ...(tag ? { tag } : {}) } } })),
    placeholderData: (previous) => previous,
  })

function go(event: React.MouseEvent, path: string) {
  if (event.metaKey || event.ctrlKey || event.shiftKey || event.button !== 0) return
  event.preventDefault()
  navigate(path)
}

export function WorkflowList() {
  const [search, setSearch] = useState('')
  const [tag, setTag] = useState('')
  const [name, setName] = useState('')
  const [error, setError] = useState<string | null>(null)
  const [gallery, setGallery] = useState(false)
  const fileInput = useRef<HTMLInputElement>(null)
  const list = useLibrary(search, tag)
  const everything = useWorkflowNames()
  const action = useWorkflowAction()
  const setTags = useSetTags()
  const allTags = useMemo(() => [...new Set((everything.data?.results ?? []).flatMap((w) => w.tags))].sort(), [everything.data])

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

  const editTags = (wf: WorkflowSummary) => {
    const next = window.prompt('Tags, separated by commas', wf.tags.join(', '))
    if (next === null) return
    setError(null)
    const tags = next.split(',').map((t) => t.trim()).filter(Boolean)
    setTags.mutateAsync({ id: wf.id, tags }).catch((err: unknown) => setError(explain(err)))
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
  const filtered = Boolean(search || tag)
  return (
    <main className="content wide library">
      <div className="heading">
        <h1>Workflows</h1>
        <div className="heading-actions">
          <button type="button" className="secondary" onClick={() => setGallery(true)}>Start from a template</button>
          <form className="create" onSubmit={create}>
            <input aria-label="New workflow name" placeholder="New workflow name" value={name} onChange={(e) => setName(e.target.value)} required maxLength={200} />
            <button type="submit" disabled={!name.trim()}>Create workflow</button>
          </form>
        </div>
      </div>
      <div className="filters">
        <input className="search" type="search" placeholder="Search by name…" aria-label="Search workflows" value={search} onChange={(e) => setSearch(e.target.value)} />
        <select aria-label="Filter by tag" value={tag} onChange={(e) => setTag(e.target.value)}>
          <option value="">All tags</option>
          {allTags.map((t) => <option key={t} value={t}>{t}</option>)}
        </select>
        <span className="spacer" />
        <button type="button" className="secondary" onClick={() => fileInput.current?.click()}>Import JSON…</button>
        <input ref={fileInput} type="file" accept="application/json,.json" hidden data-testid="import-file" onChange={(e) => e.target.files?.[0] && void importFile(e.target.files[0])} />
      </div>
      {error && <div className="error" role="alert">{error}</div>}
      {list.isLoading && <p className="muted">Loading workflows…</p>}
      {list.isError && <div className="error" role="alert">Could not load workflows: {explain(list.error)}</div>}
      {workflows?.length === 0 && (
        <div className="empty">
          <h2>{filtered ? 'No workflow matches' : 'No workflows yet'}</h2>
          <p>{filtered ? 'Try another name or tag.' : 'Create your first workflow above, start from a template, or import one exported from Stepwise.'}</p>
          {!filtered && <button type="button" onClick={() => setGallery(true)}>Browse templates</button>}
        </div>
      )}
      {workflows && workflows.length > 0 && (
        <table className="list library-list">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col" className="col-state">State</th>
              <th scope="col" className="col-run">Last run</th>
              <th scope="col" className="col-num">Runs</th>
              <th scope="col" className="col-when">Updated</th>
              <th scope="col" className="col-actions"><span className="visually-hidden">Actions</span></th>
            </tr>
          </thead>
          <tbody>
            {workflows.map((wf) => (
              <tr key={wf.id} data-workflow={wf.id}>
                <td className="col-name">
                  <a href={`/workflows/${wf.id}`} className="name" onClick={(e) => go(e, `/workflows/${wf.id}`)}>{wf.name}</a>
                  <span className="muted small version">{wf.latest_version ? ` v${wf.latest_version}` : ''}</span>
                  {wf.description && <div className="muted small description" title={wf.description}>{wf.description}</div>}
                  {wf.tags.length > 0 && (
                    <div className="tags">
                      {wf.tags.map((t) => (
                        <button key={t} type="button" className={t === tag ? 'tag-chip on' : 'tag-chip'} onClick={() => setTag(t === tag ? '' : t)} aria-label={`Filter by tag ${t}`}>{t}</button>
                      ))}
                    </div>
                  )}
                </td>
                <td className="col-state"><span className={wf.active ? 'badge on' : 'badge'}>{wf.active ? 'Active' : 'Inactive'}</span></td>
                <td className="col-run" data-testid="last-run">
                  {wf.last_run ? (
                    <>
                      <a href={`/runs/${wf.last_run.id}`} onClick={(e) => go(e, `/runs/${wf.last_run!.id}`)} className={`badge badge-${wf.last_run.status}`} data-status={wf.last_run.status} title={`Run #${wf.last_run.id}`}>{wf.last_run.status}</a>
                      <span className="muted small when" title={new Date(wf.last_run.started_at ?? wf.last_run.created_at).toLocaleString()}> {relativeTime(wf.last_run.started_at ?? wf.last_run.created_at)}</span>
                    </>
                  ) : (
                    <span className="muted small">Never run</span>
                  )}
                </td>
                <td className="col-num" data-testid="run-count">
                  {wf.run_count > 0 ? <a href={`/workflows/${wf.id}/runs`} onClick={(e) => go(e, `/workflows/${wf.id}/runs`)} aria-label={`${wf.run_count_capped ? 'more than ' : ''}${wf.run_count} runs of ${wf.name}`}>{wf.run_count}{wf.run_count_capped ? '+' : ''}</a> : <span className="muted">0</span>}
                </td>
                <td className="col-when muted" title={new Date(wf.updated_at).toLocaleString()}>{relativeTime(wf.updated_at)}</td>
                <td className="col-actions actions">
                  <button type="button" className="icon" aria-label="Rename" title="Rename" onClick={() => {
                    const next = window.prompt('Rename workflow', wf.name)
                    if (next && next.trim() && next !== wf.name) act({ verb: 'rename', id: wf.id, name: next.trim() })
                  }}><Icon name="rename" /></button>
                  <button type="button" className="icon" aria-label="Tags" title="Edit tags" onClick={() => editTags(wf)}><Icon name="tags" /></button>
                  <button type="button" className="icon" aria-label="Duplicate" title="Duplicate" onClick={() => act({ verb: 'duplicate', id: wf.id })}><Icon name="duplicate" /></button>
                  <button type="button" className="icon" aria-label="Export" title="Export as JSON" onClick={() => void exportOne(wf).catch((err) => setError(explain(err)))}><Icon name="export" /></button>
                  <button type="button" className="icon danger" aria-label="Delete" title="Delete" onClick={() => {
                    if (window.confirm(`Delete “${wf.name}”? Its versions go with it.`)) act({ verb: 'delete', id: wf.id })
                  }}><Icon name="delete" /></button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {gallery && <TemplateGalleryDialog onClose={() => setGallery(false)} />}
    </main>
  )
}
