// One run: its pinned graph read-only with each node's status, attempts and duration, the
// timeline, the step inspector, and the actions (cancel, retry from failure, rerun, rerun
// from a step). Follows the run live; after a reconnect it shows what the database says.
import { ReactFlowProvider, type Edge } from '@xyflow/react'
import '@xyflow/react/dist/style.css'
import { useQueryClient } from '@tanstack/react-query'
import { useEffect, useMemo, useRef, useState } from 'react'
import { ApiError } from '../api/client'
import { useNodeTypes, useRunDetail, useVersionGraph } from '../api/queries'
import type { StepFlowNode } from '../editor/StepNode'
import { ReadOnlyFlow } from '../editor/ReadOnlyFlow'
import { ElementCache, runEdges, runNodes } from '../editor/useFlowElements'
import type { NodeTypeInfo } from '../editor/types'
import { usePlacedGraph } from '../editor/layout'
import { navigate } from '../router'
import { RunProvider, useRun, useRunStore } from '../stores/run'
import { Inspector } from './Inspector'
import { RunTimes } from './RunTimes'
import { Timeline } from './Timeline'
import { useRunAction, type RunAction } from './useRunAction'

// Low enough that fitView shows a graph of 500 nodes whole on a small screen.
const MIN_ZOOM = 0.02

export function RunPage({ runId }: { runId: number }) {
  return (
    <RunProvider>
      <ReactFlowProvider>
        <RunView runId={runId} />
      </ReactFlowProvider>
    </RunProvider>
  )
}

function RunView({ runId }: { runId: number }) {
  const store = useRunStore()
  const fatal = useRun((s) => s.fatal)
  const queryClient = useQueryClient()
  const [tab, setTab] = useState<'graph' | 'timeline'>('graph')
  const [selected, setSelected] = useState<string | null>(null)
  const types = useNodeTypes()
  const action = useRunAction(runId)

  useEffect(() => {
    store.getState().follow(runId)
    return () => store.getState().stop()
  }, [runId, store])

  // Kept current by the stream's events (api/queries.ts): no refetch per event.
  const run = useRunDetail(runId)
  const graph = useVersionGraph(run.data?.workflow, run.data?.version)
  // A graph without positions (made through the API) is laid out before it is drawn.
  const placed = usePlacedGraph(graph.data?.graph)
  const typeMap = useMemo(() => new Map((types.data ?? []).map((t): [string, NodeTypeInfo] => [t.type, t])), [types.data])
  const steps = useMemo(() => run.data?.steps ?? [], [run.data])
  const byNode = useMemo(() => new Map(steps.map((s) => [s.node_id, s])), [steps])
  const names = useMemo(() => new Map((graph.data?.graph.nodes ?? []).map((n): [string, string] => [n.id, n.name || n.id])), [graph.data])

  const nodeCache = useRef(new ElementCache<StepFlowNode>())
  const edgeCache = useRef(new ElementCache<Edge>())
  const nodes = useMemo(() => runNodes(nodeCache.current, placed?.nodes ?? [], { types: typeMap, byNode, selected }), [placed, byNode, typeMap, selected])
  const edges = useMemo(() => runEdges(edgeCache.current, placed?.edges ?? [], byNode), [placed, byNode])

  if (fatal === 4404 || (run.error instanceof ApiError && run.error.status === 404)) {
    return <main className="content"><div className="error" role="alert">There is no run #{runId} (or it is not yours). <a href="/runs">All runs</a></div></main>
  }
  if (!run.data) return <main className="content"><p className="muted">Loading run #{runId}…</p></main>
  const r = run.data
  const step = selected ? byNode.get(selected) ?? null : null

  const act = (label: string, what: RunAction) => {
    if (window.confirm(`${label}?`)) action.mutate(what)
  }
  const error = action.error ? (action.error instanceof ApiError ? action.error.message : String(action.error)) : null

  return (
    <div className="runview">
      <header className="toolbar">
        <button type="button" className="link" onClick={() => navigate('/runs')}>← Runs</button>
        <strong>Run #{r.id}</strong>
        <a href={`/workflows/${r.workflow}`} className="wf-name" title={r.workflow_name} onClick={(e) => { e.preventDefault(); navigate(`/workflows/${r.workflow}`) }}>{r.workflow_name}</a>
        <span className="muted">v{r.version}</span>
        {r.workflow_changed && <span className="badge badge-waiting" title="The workflow was saved since; this run shows the version it ran">workflow changed since</span>}
        <span className={`badge badge-${r.status}`} data-testid="run-status">{r.status}</span>
        <RunTimes run={r} />
        {r.rerun_of && <a href={`/runs/${r.rerun_of}`} className="small" onClick={(e) => { e.preventDefault(); navigate(`/runs/${r.rerun_of}`) }}>rerun of #{r.rerun_of}</a>}
        {r.parent_run && <a href={`/runs/${r.parent_run}`} className="small" onClick={(e) => { e.preventDefault(); navigate(`/runs/${r.parent_run}`) }}>child of #{r.parent_run}</a>}
        <span className="spacer" />
        {['queued', 'running'].includes(r.status) && <button type="button" className="secondary" onClick={() => void act('Cancel this run', { verb: 'cancel' })}>Cancel</button>}
        {r.status === 'failed' && <button type="button" onClick={() => void act('Retry the failed steps (finished outputs are kept)', { verb: 'retry' })}>Retry from failure</button>}
        <button type="button" className="secondary" onClick={() => void act('Start a new run with the same input', { verb: 'rerun' })}>Rerun</button>
        <button type="button" className="secondary" disabled={!selected} title={selected ? '' : 'Select a step first'} onClick={() => void act(`Rerun from ${selected} (outputs upstream of it are reused)`, { verb: 'rerun', fromNode: selected ?? undefined })}>
          Rerun from step
        </button>
      </header>
      {error && <div className="error" role="alert">{error}</div>}
      {r.status === 'queued' && r.queued_reason && <div className="notice notice-wait" role="status" data-testid="queued-reason">{r.queued_reason} <span className="muted">It starts by itself; Cancel takes it out of the queue.</span></div>}
      {r.error && (
        <div className="notice error-notice">
          {r.error.node_id ? <>The run failed at <code>{r.error.node_id}</code>: </> : r.status === 'cancelled' ? 'The run was cancelled: ' : 'The run failed: '}
          {r.error.message}
        </div>
      )}
      <div className="tabs">
        <button type="button" className={tab === 'graph' ? 'tab active' : 'tab'} onClick={() => setTab('graph')}>Graph</button>
        <button type="button" className={tab === 'timeline' ? 'tab active' : 'tab'} onClick={() => setTab('timeline')}>Timeline</button>
      </div>
      <div className="workspace">
        {tab === 'graph' ? (
          <div className="canvas">
            <ReadOnlyFlow nodes={nodes} edges={edges} onSelect={setSelected} minZoom={MIN_ZOOM} />
          </div>
        ) : (
          <div className="timeline-pane">
            <Timeline steps={steps} names={names} runStartedAt={r.started_at ?? null} resumes={r.resumes} selected={selected} onSelect={setSelected} />
          </div>
        )}
        {step ? (
          <Inspector
            run={r}
            step={step}
            name={names.get(step.node_id)}
            nodeType={graph.data?.graph.nodes.find((n) => n.id === step.node_id)?.type}
            onChanged={() => void queryClient.invalidateQueries({ queryKey: ['run', runId] })}
          />
        ) : (
          <aside className="panel panel-empty"><p className="muted">Select a step to see its input, output, error, attempts and log.</p></aside>
        )}
      </div>
    </div>
  )
}
