// Every run, or one workflow's: filters, search by id, pagination; refreshed live.
import { useQueryClient } from '@tanstack/react-query'
import { useEffect, useState } from 'react'
import { useRunList, useWorkflowNames, type RunFilter } from '../api/lists'
import { followWorkflow } from '../realtime/feed'
import { formatDuration } from '../format'
import { navigate } from '../router'
import { shortTime } from '../runs/RunTimes'
import { Pager } from './Pager'
import { runCount } from './runCount'

const STATUSES: NonNullable<RunFilter['status']>[] = ['queued', 'running', 'succeeded', 'failed', 'cancelling', 'cancelled', 'compensating', 'compensated']
const TRIGGERS: NonNullable<RunFilter['trigger']>[] = ['manual', 'api', 'webhook', 'schedule', 'rerun', 'subworkflow']
const PAGE = 25

export function RunList({ workflowId }: { workflowId?: number }) {
  const [status, setStatus] = useState('')
  const [trigger, setTrigger] = useState('')
  const [workflow, setWorkflow] = useState(workflowId ? String(workflowId) : '')
  const [after, setAfter] = useState('')
  const [before, setBefore] = useState('')
  const [runId, setRunId] = useState('')
  const [page, setPage] = useState(1)
  const queryClient = useQueryClient()
  // One workflow's runs follow its live feed; the list of every run polls.
  const followed = workflow ? Number(workflow) : null
  useEffect(() => {
    if (followed === null) return
    return followWorkflow({ workflowId: followed, onRunChange: () => void queryClient.invalidateQueries({ queryKey: ['runs'] }) })
  }, [followed, queryClient])
  const workflows = useWorkflowNames()
  const filter: RunFilter = { page, page_size: PAGE }
  if (status) filter.status = status as RunFilter['status']
  if (trigger) filter.trigger = trigger as RunFilter['trigger']
  if (workflow) filter.workflow = Number(workflow)
  if (after) filter.created_after = new Date(after).toISOString()
  if (before) filter.created_before = new Date(before).toISOString()
  if (/^\d+$/.test(runId)) filter.id = Number(runId)
  const runs = useRunList(filter, followed === null ? 2000 : 15_000)
  const reset = (fn: (v: string) => void) => (e: React.ChangeEvent<HTMLInputElement | HTMLSelectElement>) => {
    fn(e.target.value)
    setPage(1)
  }
  return (
    <main className="content wide">
      <div className="heading">
        <h1>Runs</h1>
        <span className="muted">{runs.data ? runCount(runs.data.count, runs.data.count_capped) : ''}</span>
      </div>
      <div className="filters">
        <input className="search narrow" placeholder="Run id" aria-label="Run id" value={runId} onChange={reset(setRunId)} inputMode="numeric" />
        <select aria-label="Status" value={status} onChange={reset(setStatus)}>
          <option value="">any status</option>
          {STATUSES.map((s) => <option key={s} value={s}>{s}</option>)}
        </select>
        <select aria-label="Workflow" className="run-filter-workflow" value={workflow} onChange={reset(setWorkflow)}>
          <option value="">any workflow</option>
          {(workflows.data?.results ?? []).map((w) => <option key={w.id} value={w.id}>{w.name}</option>)}
        </select>
        <select aria-label="Trigger" value={trigger} onChange={reset(setTrigger)}>
          <option value="">any trigger</option>
          {TRIGGERS.map((t) => <option key={t} value={t}>{t}</option>)}
        </select>
        <label className="inline">from <input type="datetime-local" aria-label="Started after" value={after} onChange={reset(setAfter)} /></label>
        <label className="inline">to <input type="datetime-local" aria-label="Started before" value={before} onChange={reset(setBefore)} /></label>
      </div>
      {runs.isError && <div className="error" role="alert">Could not load runs: {(runs.error as Error).message}</div>}
      {runs.isLoading && <p className="muted">Loading runs…</p>}
      {runs.data?.count === 0 && (
        <div className="empty">
          <h2>No run matches</h2>
          <p>Change the filters, or start a run from a workflow's editor (▶ Run).</p>
        </div>
      )}
      {runs.data && runs.data.count > 0 && (
        <>
          <table className="list runs">
            <thead>
              <tr><th>Run</th><th>Workflow</th><th>Status</th><th>Trigger</th><th>Started</th><th>Duration</th></tr>
            </thead>
            <tbody>
              {runs.data.results.map((r) => (
                <tr key={r.id} className="clickable" data-run={r.id} onClick={() => navigate(`/runs/${r.id}`)}>
                  <td><a href={`/runs/${r.id}`} onClick={(e) => e.preventDefault()}>#{r.id}</a>{r.parent_run && <span className="muted small"> (child of #{r.parent_run})</span>}</td>
                  <td className="run-workflow"><span className="run-workflow-name" title={r.workflow_name}>{r.workflow_name}</span> <span className="muted">v{r.version}</span></td>
                  <td><span className={`badge badge-${r.status}`}>{r.status}</span></td>
                  <td>{r.trigger}</td>
                  <td className="muted run-started">{r.started_at ? <time dateTime={r.started_at} title={new Date(r.started_at).toLocaleString()}>{shortTime(r.started_at)}</time> : '—'}</td>
                  <td>{formatDuration(r.duration_ms)}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <Pager page={page} count={runs.data.count} more={runs.data.count_capped} size={PAGE} onPage={setPage} />
        </>
      )}
    </main>
  )
}
