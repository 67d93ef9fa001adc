// The editor page: toolbar, palette, canvas, node panel and problems; save makes a
// version, Run starts a run and the canvas follows it live. It composes hooks (useSave,
// useValidation, useShortcuts) and components of one purpose each; its document and its
// live run are stores of its own (GraphProvider, RunProvider).
import { ReactFlowProvider, useReactFlow } from '@xyflow/react'
import '@xyflow/react/dist/style.css'
import { useCallback, useEffect, useMemo, useState } from 'react'
import { useNodeTypes, useRunDetail, useWorkflow } from '../api/queries'
import { GraphProvider, useGraph, useGraphStore } from '../stores/graph'
import { RunProvider, useRun } from '../stores/run'
import { Canvas } from './Canvas'
import { ancestors } from './graphs'
import { layoutPositions } from './layout'
import { NodePanel } from './NodePanel'
import { Palette } from './Palette'
import { ProblemsBar } from './ProblemsBar'
import { RunBar } from './RunBar'
import { RunDialog } from './RunDialog'
import { ShortcutsDialog } from './ShortcutsDialog'
import { Toolbar, type EditorDialog } from './Toolbar'
import { ActivationHint, TriggerList, useActivation } from './Triggers'
import type { NodeTypeInfo } from './types'
import { useLeaveGuard, useSave } from './useSave'
import { useShortcuts } from './useShortcuts'
import { useValidation } from './useValidation'
import { VersionsDialog } from './VersionsDialog'
import { Dialog } from './Dialog'
import { WorkflowSettings } from './WorkflowSettings'

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
  const [message, setMessage] = useState<string | null>(null)
  const [dialog, setDialog] = useState<EditorDialog | null>(null)
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

  const { save, saving } = useSave({ workflowId, validation, onMessage: setMessage })
  useLeaveGuard()
  const openRun = useCallback(() => setDialog('run'), [])
  const openHelp = useCallback(() => setDialog('help'), [])
  const saveNow = useCallback(() => void save(), [save])
  useShortcuts({ save: saveNow, run: openRun, help: openHelp })
  const activation = useActivation({ workflowId, initial: workflow.data, save, onMessage: setMessage, onProblems: setProblems })

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

  return (
    <div className="editor">
      <Toolbar workflowId={workflowId} name={workflow.data.name} activation={activation} saving={saving} onSave={saveNow} onLayout={() => void layout()} onOpen={setDialog} />
      {message && <div className="notice" role="status">{message}</div>}
      <ActivationHint activation={activation} />
      <RunBar detail={runDetail.data} />
      <div className="workspace">
        <Palette types={nodeTypes.data} />
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
      {dialog === 'run' && <RunDialog workflowId={workflowId} save={save} onClose={close} />}
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
    </div>
  )
}
