// The editor page: toolbar, palette, canvas, node panel and problems; save makes a
// version, Run starts a run and the canvas follows it live. It composes hooks (useSave,
// useValidation, useShortcuts, useLeaveGuard) and components of one purpose each; its
// document and its live run are stores of its own (GraphProvider, RunProvider). Notices,
// the activation hint and the run bar float over the canvas, never pushing it down.
import { ReactFlowProvider, useReactFlow } from '@xyflow/react'
import '@xyflow/react/dist/style.css'
import { useCallback, useEffect, useMemo, useState } from 'react'
import { useNodeTypes, useRunDetail, useWorkflow } from '../api/queries'
import { GraphProvider, useGraph, useGraphStore } from '../stores/graph'
import { RunProvider, useRun } from '../stores/run'
import { Canvas } from './Canvas'
import { ancestors } from './graphs'
import { hasPosition, layoutPositions, needsPlacing, placeGraph } from './layout'
import { LeaveDialog } from './LeaveDialog'
import { NodePanel } from './NodePanel'
import { Palette } from './Palette'
import { ProblemsBar } from './ProblemsBar'
import { RunBar } from './RunBar'
import { RunDialog } from './RunDialog'
import { ShortcutsDialog } from './ShortcutsDialog'
import { ToastView, useToasts, type Tone } from './Toasts'
import { Toolbar, type EditorDialog } from './Toolbar'
import { ActivationHint, TriggerList, useActivation } from './Triggers'
import type { NodeTypeInfo } from './types'
import { useLeaveGuard, useSave } from './useSave'
import { useShortcuts } from './useShortcuts'
import { useValidation } from './useValidation'
import { VersionsDialog } from './VersionsDialog'
import { Dialog } from './Dialog'
import { WorkflowSettings } from './WorkflowSettings'
import { TemplateGalleryDialog } from '../templates/TemplateGallery'

export function EditorPage({ workflowId }: { workflowId: number }) {
  return (
    <GraphProvider>
      <RunProvider>
        <ReactFlowProvider>
          <Editor workflowId={workflowId} />
        </ReactFlowProvider>
      </RunProvider>
    </GraphProvider>
  )
}

function Editor({ workflowId }: { workflowId: number }) {
  const workflow = useWorkflow(workflowId)
  const nodeTypes = useNodeTypes()
  const store = useGraphStore()
  const doc = useGraph((s) => s.doc)
  const selectedNodes = useGraph((s) => s.selectedNodes)
  const live = useRun((s) => s.live)
  const runId = useRun((s) => s.runId)
  const toasts = useToasts()
  const { show } = toasts
  const [dialog, setDialog] = useState<EditorDialog | null>(null)
  const [gallery, setGallery] = useState(false)
  const { fitView } = useReactFlow()

  // The workflow goes into this editor's document store once, when it arrives.
  const loaded = workflow.data
  const validation = useValidation(workflowId, !!loaded)
  const { setProblems, setWarnings } = validation
  useEffect(() => {
    if (!loaded) return
    store.getState().load(loaded.graph, loaded.latest_version)
    setProblems(loaded.problems)
    setWarnings(loaded.warnings ?? [])
  }, [loaded, store, setProblems, setWarnings])
  usePlacing(fitView)

  const setMessage = useCallback((message: string | null, tone?: Tone) => show(message, tone), [show])
  // The activation's sentences say nothing of their tone but "Could not ...".
  const onActivationMessage = useCallback((message: string) => show(message, message.startsWith('Could not') ? 'error' : 'success'), [show])

  const { save, saving } = useSave({ workflowId, validation, onMessage: setMessage })
  const guard = useLeaveGuard()
  const openRun = useCallback(() => setDialog('run'), [])
  const openHelp = useCallback(() => setDialog('help'), [])
  const saveNow = useCallback(() => {
    const { version } = store.getState()
    if (store.getState().isDirty()) void save()
    else show(version ? `No changes to save: this is version ${version}.` : 'Nothing to save yet.', 'success')
  }, [save, show, store])
  useShortcuts({ save: saveNow, run: openRun, help: openHelp })
  const activation = useActivation({ workflowId, initial: workflow.data, save, onMessage: onActivationMessage, onProblems: setProblems })

  // The run's steps (input, output, error), re-read as its events arrive.
  const runDetail = useRunDetail(runId, live?.seq)

  const types = useMemo(() => new Map((nodeTypes.data ?? []).map((t): [string, NodeTypeInfo] => [t.type, t])), [nodeTypes.data])
  const layout = useCallback(async () => {
    store.getState().applyLayout(await layoutPositions(store.getState().doc))
    setTimeout(() => fitView({ padding: 0.2 }), 50)
  }, [fitView, store])

  if (workflow.isError) return <div className="content"><div className="error" role="alert">Could not open this workflow: {(workflow.error as Error).message}. <a href="/">Back to the list</a></div></div>
  if (!workflow.data || !nodeTypes.data) return <div className="content"><p className="muted">Loading the editor…</p></div>

  const { problems, warnings, problemsByNode } = validation
  const selected = selectedNodes.length === 1 ? doc.nodes.find((n) => n.id === selectedNodes[0]) : undefined
  const steps = runDetail.data?.steps ?? []
  const durations = new Map(steps.map((s): [string, number | null] => [s.node_id, s.duration_ms]))
  const previewRun = runDetail.data ? { id: runDetail.data.id, seq: runDetail.data.last_seq } : null
  const close = () => setDialog(null)
  const placed = doc.nodes.every(hasPosition)

  return (
    <div className="editor">
      <Toolbar workflowId={workflowId} name={workflow.data.name} activation={activation} saving={saving} onSave={saveNow} onLayout={() => void layout()} onOpen={setDialog} />
      <div className="workspace">
        <div className="canvas-overlay" data-testid="canvas-overlay">
          <ToastView toast={toasts.toast} onDismiss={toasts.dismiss} />
          <ActivationHint activation={activation} />
          <RunBar detail={runDetail.data} />
        </div>
        <Palette types={nodeTypes.data} />
        {doc.nodes.length === 0 && (
          <div className="canvas-empty">
            <h2>An empty canvas</h2>
            <p>Drag a <strong>Manual / API trigger</strong> from the palette to start, then the steps that follow it.</p>
            <p>
              or{' '}
              <button type="button" className="secondary canvas-empty-action" onClick={() => setGallery(true)}>
                Start from a template
              </button>
            </p>
          </div>
        )}
        {placed ? (
          <Canvas types={types} problemsByNode={problemsByNode} durations={durations} />
        ) : (
          <div className="canvas canvas-placing"><p className="muted">Laying the graph out…</p></div>
        )}
        {selected ? (
          <NodePanel
            node={selected}
            info={types.get(selected.type)}
            problems={problems.filter((p) => p.node_id === selected.id)}
            upstream={ancestors(doc, selected.id)}
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
      {dialog === 'run' && <RunDialog workflowId={workflowId} save={save} problems={problems} onClose={close} />}
      {dialog === 'triggers' && (
        <Dialog title="Triggers" onClose={close}>
          <TriggerList workflowId={workflowId} />
        </Dialog>
      )}
      {dialog === 'settings' && (
        <Dialog title="Workflow settings" onClose={close}>
          <WorkflowSettings workflowId={workflowId} />
        </Dialog>
      )}
      {dialog === 'versions' && <VersionsDialog workflowId={workflowId} onClose={close} />}
      {dialog === 'help' && <ShortcutsDialog onClose={close} />}
      {gallery && <TemplateGalleryDialog onClose={() => setGallery(false)} />}
      {guard.asking && <LeaveDialog name={workflow.data.name} save={save} onLeave={guard.leave} onStay={guard.stay} />}
    </div>
  )
}

/** A graph without positions (optional in the server's schema) is placed as soon as the
 * editor holds it: on open, after a restore. Placing is not an edit: a clean draft stays
 * clean (what is saved is the same graph; the places come back the same on every open and
 * go to the server with the next save), a dirty one keeps its changes and its history. */
function usePlacing(fitView: (options: { padding: number }) => unknown) {
  const store = useGraphStore()
  const doc = useGraph((s) => s.doc)
  useEffect(() => {
    if (!needsPlacing(doc)) return
    let current = true
    void placeGraph(doc).then((next) => {
      const state = store.getState()
      if (!current || state.doc !== doc) return
      const clean = JSON.stringify(doc) === state.saved
      store.setState(clean ? { doc: next, saved: JSON.stringify(next) } : { doc: next })
      setTimeout(() => void fitView({ padding: 0.2 }), 50) // the canvas mounts with the places
    })
    return () => {
      current = false
    }
  }, [doc, store, fitView])
}
