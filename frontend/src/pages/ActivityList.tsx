// The audit log: who did what to which workflow or run, when, from where; one workflow's
// (its runs' entries too) or everything of the signed-in user's.
import { useState } from 'react'
import { useAuditList, useWorkflowNames, type AuditFilter } from '../api/lists'
import { navigate } from '../router'
import { ACTION_GROUPS, ACTION_LABEL, HOW_LABEL, TARGET_TYPES, describeActor, describeDetails, targetPath, type AuditEntry } from './activity'
import { Pager } from './Pager'

const PAGE = 50

function go(path: string) {
  return (e: React.MouseEvent) => {
    e.preventDefault()
    navigate(path)
  }
}

function Target({ entry }: { entry: AuditEntry }) {
  if (!entry.target_type) return <span className="muted">—</span>
  const path = targetPath(entry)
  const name = entry.target_name || `${entry.target_type} #${entry.target_id}`
  return (
    <>
      {path ? <a href={path} onClick={go(path)}>{name}</a> : <span>{name}</span>}
      {!path && entry.target_type !== 'user' && <span className="muted small"> (deleted)</span>}
      {entry.target_type === 'run' && entry.workflow_id !== null && entry.workflow_exists && (
        <div className="small"><a href={`/workflows/${entry.workflow_id}/activity`} onClick={go(`/workflows/${entry.workflow_id}/activity`)}>workflow activity</a></div>
      )}
    </>
  )
}

export function ActivityList({ workflowId }: { workflowId?: number }) {
  const [action, setAction] = useState('')
  const [targetType, setTargetType] = useState('')
  const [workflow, setWorkflow] = useState(workflowId ? String(workflowId) : '')
  const [after, setAfter] = useState('')
  const [before, setBefore] = useState('')
  const [page, setPage] = useState(1)
  const workflows = useWorkflowNames()
  const filter: AuditFilter = { page, page_size: PAGE }
  if (action) filter.action = action as AuditFilter['action']
  if (targetType) filter.target_type = targetType as AuditFilter['target_type']
  if (workflow) filter.workflow = Number(workflow)
  if (after) filter.after = new Date(after).toISOString()
  if (before) filter.before = new Date(before).toISOString()
  const entries = useAuditList(filter)
  const reset = (fn: (v: string) => void) => (e: React.ChangeEvent<HTMLInputElement | HTMLSelectElement>) => {
    fn(e.target.value)
    setPage(1)
  }
  const known = workflows.data?.results ?? []
  const named = known.find((w) => String(w.id) === workflow)
  // A deleted workflow is named by its entries, as it was.
  const remembered = entries.data?.results.find((x) => x.target_type === 'workflow' && x.target_id === workflow)?.target_name
  const title = named ? named.name : remembered ? `${remembered} (deleted)` : `workflow #${workflow}`
  return (
    <main className="content wide">
      <div className="heading">
        <h1>Activity{workflow && <span className="muted"> · {title}</span>}</h1>
        <span className="muted">{entries.data ? `${entries.data.count} entr${entries.data.count === 1 ? 'y' : 'ies'}` : ''}</span>
      </div>
      {workflow && named && (
        <p className="small">
          <a href={`/workflows/${workflow}`} onClick={go(`/workflows/${workflow}`)}>Open the workflow</a>
          {' · '}
          <a href={`/workflows/${workflow}/runs`} onClick={go(`/workflows/${workflow}/runs`)}>its runs</a>
        </p>
      )}
      <div className="filters activity-filters">
        <select aria-label="Action" value={action} onChange={reset(setAction)}>
          <option value="">any action</option>
          {ACTION_GROUPS.map((g) => (
            <optgroup key={g.label} label={g.label}>
              {g.actions.map((a) => <option key={a} value={a}>{ACTION_LABEL[a]}</option>)}
            </optgroup>
          ))}
        </select>
        <select aria-label="Target" value={targetType} onChange={reset(setTargetType)}>
          <option value="">any target</option>
          {TARGET_TYPES.map((t) => <option key={t.value} value={t.value}>{t.label}</option>)}
        </select>
        <select aria-label="Workflow" value={workflow} onChange={reset(setWorkflow)}>
          <option value="">any workflow</option>
          {workflow && !named && <option value={workflow}>{title}</option>}
          {known.map((w) => <option key={w.id} value={w.id}>{w.name}</option>)}
        </select>
        <span className="range">
          <label className="inline">from <input type="datetime-local" aria-label="After" value={after} onChange={reset(setAfter)} /></label>
          <label className="inline">to <input type="datetime-local" aria-label="Before" value={before} onChange={reset(setBefore)} /></label>
        </span>
      </div>
      {entries.isError && <div className="error" role="alert">Could not load the activity: {(entries.error as Error).message}</div>}
      {entries.isLoading && <p className="muted">Loading activity…</p>}
      {entries.data?.count === 0 && (
        <div className="empty">
          <h2>Nothing matches</h2>
          <p>Change the filters. Creating, saving, running or exporting a workflow shows up here.</p>
        </div>
      )}
      {entries.data && entries.data.count > 0 && (
        <>
          <table className="list activity">
            <thead>
              <tr><th>When</th><th>Who</th><th>What</th><th>Target</th><th>From where</th></tr>
            </thead>
            <tbody>
              {entries.data.results.map((entry) => {
                const actor = describeActor(entry)
                const details = describeDetails(entry.details)
                return (
                  <tr key={entry.id} data-entry={entry.id} data-action={entry.action}>
                    <td className="muted nowrap" title={entry.at}>{new Date(entry.at).toLocaleString()}</td>
                    <td>{actor.person ? actor.name : <span className="muted">{actor.name}</span>}</td>
                    <td>
                      <span className={entry.action === 'auth.sign_in_failed' ? 'error-inline' : undefined}>{entry.summary}</span>
                      {details.length > 0 && <div className="muted small">{details.join(' · ')}</div>}
                    </td>
                    <td><Target entry={entry} /></td>
                    <td>
                      <span className="badge">{HOW_LABEL[entry.how] ?? entry.how}</span>{' '}
                      {entry.address ? <code>{entry.address}</code> : null}
                      {entry.user_agent && <div className="muted small agent" title={entry.user_agent}>{entry.user_agent}</div>}
                    </td>
                  </tr>
                )
              })}
            </tbody>
          </table>
          <Pager page={page} count={entries.data?.count ?? 0} size={PAGE} onPage={setPage} />
        </>
      )}
    </main>
  )
}
