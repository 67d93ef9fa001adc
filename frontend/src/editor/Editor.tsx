// The editor page: toolbar, palette, canvas, node panel and problems; save makes a
// version, Run starts a run and the canvas follows it live.
import { ReactFlowProvider, useReactFlow } from '@xyflow/react'
import '@xyflow/react/dist/style.css'
import { useQuery, useQueryClient } from '@tanstack/react-query'
import { useCallback, useEffect, useMemo, useState } from 'react'
import { api, ApiError, type Problem } from '../api/client'
import { useNodeTypes, useVersions, useWorkflow, type WorkflowDetail } from '../api/queries'
import { navigate } from '../router'
import type { RunDetail } from '../runs/types'
import { useGraph } from '../stores/graph'
import { useRun } from '../stores/run'
import { Canvas } from './Canvas'
import { layoutPositions } from './layout'
import { NodePanel } from './NodePanel'
import { ProblemsBar } from './ProblemsBar'
import { Palette } from './Palette'
import { ActivationControl, ActivationHint, TriggerList, useActivation } from './Triggers'
import { WorkflowSettings } from './WorkflowSettings'
import type { NodeTypeInfo } from './types'

const SHORTCUTS: [string, string][] = [
  ['Ctrl/⌘ + S', 'Save (makes a version)'],
  ['Ctrl/⌘ + Z', 'Undo'],
  ['Ctrl/⌘ + Shift + Z, Ctrl + Y', 'Redo'],
  ['Ctrl/⌘ + C / V', 'Copy / paste the selected nodes (also into another workflow)'],
  ['Delete, Backspace', 'Delete the selection'],
  ['Shift + click, Shift + drag', 'Select several'],
  ['Ctrl/⌘ + Enter', 'Run'],
  ['?', 'This help'],
]

export function EditorPage({ workflowId }: { workflowId: number }) {
  return (
    <ReactFlowProvider>
      <Editor workflowId={workflowId} />
    </ReactFlowProvider>
  )
}

function Editor({ workflowId }: { workflowId: number }) {
  const workflow = useWorkflow(workflowId)
  const nodeTypes = useNodeTypes()
  const queryClient = useQueryClient()
  const doc = useGraph((s) => s.doc)
  const version = useGraph((s) => s.version)
  const selectedNodes = useGraph((s) => s.selectedNodes)
  const dirty = useGraph((s) => s.isDirty())
  const canUndo = useGraph((s) => s.past.length > 0)
  const canRedo = useGraph((s) => s.future.length > 0)
  const live = useRun((s) => s.live)
  const runId = useRun((s) => s.runId)
  const [problems, setProblems] = useState<Problem[]>([])
  const [warnings, setWarnings] = useState<Problem[]>([])
  const [message, setMessage] = useState<string | null>(null)
  const [saving, setSaving] = useState(false)
  const [dialog, setDialog] = useState<'run' | 'versions' | 'help' | 'triggers' | 'settings' | null>(null)
  const [runInput, setRunInput] = useState('{}')
  const [runError, setRunError] = useState<string | null>(null)
  const { fitView } = useReactFlow()

  const types = useMemo(() => new Map((nodeTypes.data ?? []).map((t): [string, NodeTypeInfo] => [t.type, t])), [nodeTypes.data])
  const problemsByNode = useMemo(() => {
    const counts = new Map<string, number>()
    for (const p of problems) if (p.node_id) counts.set(p.node_id, (counts.get(p.node_id) ?? 0) + 1)
    return counts
  }, [problems])

  // Load the workflow into the document store once.
  const loaded = workflow.data
  useEffect(() => {
    if (!loaded) return
    useGraph.getState().load(loaded.graph, loaded.latest_version)
    setProblems(loaded.problems)
    setWarnings(loaded.warnings ?? [])
    useRun.getState().stop()
    useRun.setState({ runId: null, live: null })
  }, [loaded])

  // Validate the draft as it changes (debounced): problems on the nodes and in the list.
  useEffect(() => {
    if (!loaded) return
    const timer = setTimeout(async () => {
      try {
        const valid = await api<{ warnings?: Problem[] }>(`/api/workflows/${workflowId}/validate/`, { method: 'POST', body: JSON.stringify({ graph: doc }) })
        setProblems([])
        setWarnings(valid.warnings ?? [])
      } catch (err) {
        if (err instanceof ApiError && err.status === 422) {
          setProblems(err.problems)
          setWarnings([])
        }
      }
    }, 400)
    return () => clearTimeout(timer)
  }, [doc, loaded, workflowId])

  // Warn before leaving with unsaved work.
  useEffect(() => {
    const warn = (e: BeforeUnloadEvent) => {
      if (useGraph.getState().isDirty()) e.preventDefault()
    }
    window.addEventListener('beforeunload', warn)
    return () => window.removeEventListener('beforeunload', warn)
  }, [])

  // The run's steps (input, output, error), re-read as its events arrive.
  const runDetail = useQuery({
    queryKey: ['run', runId, live?.seq],
    queryFn: () => api<RunDetail>(`/api/runs/${runId}/`),
    enabled: runId !== null,
    placeholderData: (previous) => previous,
  })

  const save = useCallback(async (): Promise<boolean> => {
    setSaving(true)
    setMessage(null)
    try {
      const body = { graph: useGraph.getState().doc, base_version: useGraph.getState().version ?? 0 }
      const saved = await api<WorkflowDetail>(`/api/workflows/${workflowId}/`, { method: 'PATCH', body: JSON.stringify(body) })
      useGraph.getState().markSaved(saved.latest_version)
      setProblems(saved.problems)
      setWarnings(saved.warnings ?? [])
      setMessage(saved.problems.length ? `Saved as version ${saved.latest_version}, with problems to fix before it can run.` : `Saved as version ${saved.latest_version}.`)
      void queryClient.invalidateQueries({ queryKey: ['versions', workflowId] })
      return true
    } catch (err) {
      setMessage(err instanceof ApiError ? err.message : String(err))
      return false
    } finally {
      setSaving(false)
    }
  }, [workflowId, queryClient])

  const activation = useActivation({ workflowId, initial: workflow.data, save, onMessage: setMessage, onProblems: setProblems })

  const layout = useCallback(async () => {
    useGraph.getState().applyLayout(await layoutPositions(useGraph.getState().doc))
    setTimeout(() => fitView({ padding: 0.2 }), 50)
  }, [fitView])

  const openRun = useCallback(() => {
    const trigger = useGraph.getState().doc.nodes.find((n) => n.type.startsWith('trigger.'))
    const sample = trigger?.config.sample_input
    setRunInput(JSON.stringify(sample && typeof sample === 'object' ? sample : {}, null, 2))
    setRunError(null)
    setDialog('run')
  }, [])

  const startRun = useCallback(async () => {
    let input: unknown
    try {
      input = JSON.parse(runInput)
    } catch (err) {
      setRunError(`The input is not valid JSON: ${(err as Error).message}`)
      return
    }
    if (useGraph.getState().isDirty() && !(await save())) return
    try {
      const run = await api<{ id: number }>(`/api/workflows/${workflowId}/runs/`, { method: 'POST', body: JSON.stringify({ input }) })
      setDialog(null)
      useRun.getState().follow(run.id)
    } catch (err) {
      setRunError(err instanceof ApiError ? [err.message, ...err.problems.map((p) => `${p.node_id ?? ''} ${p.message}`)].join('\n') : String(err))
    }
  }, [runInput, save, workflowId])

  // Keyboard shortcuts (not while typing in a field).
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const target = e.target as HTMLElement
      if (target.closest('input, textarea, select, [contenteditable]')) return
      const mod = e.ctrlKey || e.metaKey
      const g = useGraph.getState()
      if (mod && e.key.toLowerCase() === 's') {
        e.preventDefault()
        void save()
      } else if (mod && e.key.toLowerCase() === 'z' && !e.shiftKey) {
        e.preventDefault()
        g.undo()
      } else if (mod && (e.key.toLowerCase() === 'y' || (e.key.toLowerCase() === 'z' && e.shiftKey))) {
        e.preventDefault()
        g.redo()
      } else if (mod && e.key.toLowerCase() === 'c') {
        if (g.selectedNodes.length) {
          const text = g.copySelection()
          localStorage.setItem('stepwise-clipboard', text)
          void navigator.clipboard?.writeText(text).catch(() => {})
        }
      } else if (mod && e.key.toLowerCase() === 'v') {
        const fallback = localStorage.getItem('stepwise-clipboard') ?? ''
        const read = navigator.clipboard?.readText ? navigator.clipboard.readText().catch(() => fallback) : Promise.resolve(fallback)
        void read.then((text) => g.paste(text.includes('"stepwise"') ? text : fallback))
      } else if (e.key === 'Delete' || e.key === 'Backspace') {
        g.removeSelected()
      } else if (mod && e.key === 'Enter') {
        openRun()
      } else if (e.key === '?') {
        setDialog('help')
      }
    }
    window.addEventListener('keydown', onKey)
    return () => window.removeEventListener('keydown', onKey)
  }, [save, openRun])

  if (workflow.isError) return <div className="content"><div className="error" role="alert">Could not open this workflow: {(workflow.error as Error).message}. <a href="/">Back to the list</a></div></div>
  if (!workflow.data || !nodeTypes.data) return <div className="content"><p className="muted">Loading the editor…</p></div>

  const selected = selectedNodes.length === 1 ? doc.nodes.find((n) => n.id === selectedNodes[0]) : undefined
  const upstream = selected ? ancestors(doc, selected.id) : []
  const steps = runDetail.data?.steps ?? []
  const durations = new Map(steps.map((s): [string, number | null] => [s.node_id, s.duration_ms]))
  const previewRun = runDetail.data ? { id: runDetail.data.id, seq: runDetail.data.last_seq } : null

  return (
    <div className="editor">
      <header className="toolbar">
        <button type="button" className="link" onClick={() => (dirty && !window.confirm('Leave without saving your changes?') ? null : navigate('/'))}>
          ← Workflows
        </button>
        <strong className="wf-name">{workflow.data.name}</strong>
        <span className="muted" data-testid="version">{version ? `v${version}` : 'not saved yet'}</span>
        {dirty && <span className="unsaved" data-testid="unsaved">● unsaved changes</span>}
        <span className="spacer" />
        <ActivationControl activation={activation} />
        <button type="button" className="secondary" onClick={() => setDialog('triggers')}>Triggers</button>
        <button type="button" className="secondary" onClick={() => setDialog('settings')}>Settings</button>
        <button type="button" className="secondary" onClick={() => useGraph.getState().undo()} disabled={!canUndo} title="Undo (Ctrl+Z)">Undo</button>
        <button type="button" className="secondary" onClick={() => useGraph.getState().redo()} disabled={!canRedo} title="Redo (Ctrl+Shift+Z)">Redo</button>
        <button type="button" className="secondary" onClick={() => void layout()}>Auto-layout</button>
        <button type="button" className="secondary" onClick={() => setDialog('versions')}>Versions</button>
        <button type="button" className="secondary" onClick={() => navigate(`/workflows/${workflowId}/runs`)}>Runs</button>
        <button type="button" className="secondary" onClick={() => navigate(`/workflows/${workflowId}/activity`)}>Activity</button>
        <button type="button" className="secondary" onClick={() => setDialog('help')} title="Keyboard shortcuts">?</button>
        <button type="button" className="secondary" onClick={() => void save()} disabled={saving || !dirty}>{saving ? 'Saving…' : 'Save'}</button>
        <button type="button" onClick={openRun}>▶ Run</button>
      </header>
      {message && <div className="notice" role="status">{message}</div>}
      <ActivationHint activation={activation} />
      {live && (
        <div className="runbar" data-testid="runbar">
          <a href={`/runs/${runId}`} onClick={(e) => { e.preventDefault(); navigate(`/runs/${runId}`) }}>Run #{runId}</a>: <span className={`badge badge-${live.status ?? 'queued'}`} data-testid="run-status">{live.status ?? 'starting'}</span>
          {runDetail.data?.error != null && <span className="error-inline">{runDetail.data.error.message}</span>}
        </div>
      )}
      <div className="workspace">
        <Palette types={nodeTypes.data} onAdd={(type) => useGraph.getState().addNode(type, { x: 80 + doc.nodes.length * 30, y: 80 + doc.nodes.length * 20 }, types.get(type)?.default_config ?? {})} />
        {doc.nodes.length === 0 && (
          <div className="canvas-empty">
            <h2>An empty canvas</h2>
            <p>Drag a <strong>Manual / API trigger</strong> from the palette to start, then the steps that follow it.</p>
          </div>
        )}
        <Canvas types={types} problemsByNode={problemsByNode} durations={durations} />
        {selected ? (
          <NodePanel
            node={selected}
            info={types.get(selected.type)}
            problems={problems.filter((p) => p.node_id === selected.id)}
            upstream={upstream}
            workflowId={workflowId}
            run={previewRun}
            lastStep={steps.find((s) => s.node_id === selected.id) ?? null}
            allNodes={doc.nodes}
          />
        ) : (
          <aside className="panel panel-empty">
            <p className="muted">Select a node to configure it. Shift-click or Shift-drag to select several.</p>
          </aside>
        )}
      </div>
      <ProblemsBar problems={problems} warnings={warnings} />
      {dialog === 'run' && (
        <Dialog title="Run this workflow" onClose={() => setDialog(null)}>
          <label>
            Input (JSON, the trigger's payload)
            <textarea className="json" rows={8} value={runInput} onChange={(e) => setRunInput(e.target.value)} aria-label="Run input" />
          </label>
          {runError && <pre className="error">{runError}</pre>}
          <div className="row">
            <span className="muted">{dirty ? 'Your changes are saved first.' : ''}</span>
            <button type="button" onClick={() => void startRun()}>Start run</button>
          </div>
        </Dialog>
      )}
      {dialog === 'triggers' && (
        <Dialog title="Triggers" onClose={() => setDialog(null)}>
          <TriggerList workflowId={workflowId} />
        </Dialog>
      )}
      {dialog === 'settings' && (
        <Dialog title="Workflow settings" onClose={() => setDialog(null)}>
          <WorkflowSettings workflowId={workflowId} />
        </Dialog>
      )}
      {dialog === 'versions' && <Versions workflowId={workflowId} onClose={() => setDialog(null)} />}
      {dialog === 'help' && (
        <Dialog title="Keyboard shortcuts" onClose={() => setDialog(null)}>
          <table className="shortcuts">
            <tbody>
              {SHORTCUTS.map(([keys, what]) => (
                <tr key={keys}><td><kbd>{keys}</kbd></td><td>{what}</td></tr>
              ))}
            </tbody>
          </table>
        </Dialog>
      )}
    </div>
  )
}

function ancestors(doc: { edges: { source: string; target: string }[] }, id: string): string[] {
  const seen = new Set<string>()
  const stack = [id]
  while (stack.length) {
    const current = stack.pop()!
    for (const e of doc.edges) if (e.target === current && !seen.has(e.source)) {
      seen.add(e.source)
      stack.push(e.source)
    }
  }
  return [...seen]
}

function Dialog({ title, onClose, children }: { title: string; onClose: () => void; children: React.ReactNode }) {
  return (
    <div className="backdrop" onClick={onClose}>
      <div className="dialog" role="dialog" aria-label={title} onClick={(e) => e.stopPropagation()}>
        <div className="row">
          <h2>{title}</h2>
          <button type="button" className="link" onClick={onClose} aria-label="Close">✕</button>
        </div>
        {children}
      </div>
    </div>
  )
}

function Versions({ workflowId, onClose }: { workflowId: number; onClose: () => void }) {
  const versions = useVersions(workflowId, true)
  const queryClient = useQueryClient()
  const [error, setError] = useState<string | null>(null)
  const restore = async (number: number) => {
    if (useGraph.getState().isDirty() && !window.confirm('Restoring replaces your unsaved changes. Continue?')) return
    try {
      const restored = await api<WorkflowDetail>(`/api/workflows/${workflowId}/versions/${number}/restore/`, { method: 'POST' })
      useGraph.getState().load(restored.graph, restored.latest_version)
      void queryClient.invalidateQueries({ queryKey: ['versions', workflowId] })
      onClose()
    } catch (err) {
      setError(err instanceof ApiError ? err.message : String(err))
    }
  }
  return (
    <Dialog title="Version history" onClose={onClose}>
      {versions.isLoading && <p className="muted">Loading…</p>}
      {error && <p className="error">{error}</p>}
      <table className="list">
        <tbody>
          {(versions.data ?? []).map((v) => (
            <tr key={v.number}>
              <td>v{v.number}</td>
              <td className="muted">{new Date(v.created_at).toLocaleString()}</td>
              <td>{v.message}</td>
              <td><button type="button" className="secondary" onClick={() => void restore(v.number)}>Restore</button></td>
            </tr>
          ))}
        </tbody>
      </table>
    </Dialog>
  )
}
