// The node detail view: what the node would receive on the left (the upstream steps'
// outputs and the trigger of the last run), its parameters in the middle (every text field
// an expression editor), its output on the right. A modal or a large panel over the
// canvas, as the person prefers (remembered).
import { useEffect, useMemo, useRef, useState, type ReactNode } from 'react'
import type { Problem } from '../../api/client'
import { useModal } from '../../modal'
import type { RunDetailStep } from '../../runs/types'
import { useGraph } from '../../stores/graph'
import { originOf, type GraphNode, type NodeTypeInfo } from '../types'
import { ConfigForm } from './ConfigForm'
import { DataPane, type PaneRoot } from './DataPane'
import { fieldsOf, flatten, roots, step, typeOf } from './dataShape'
import { StepSettings } from './StepSettings'
import { outputsOf, type NodeRun } from './useNodeData'
import type { FormContext } from './widgets'

export type DetailMode = 'modal' | 'panel'
const MODE_KEY = 'stepwise-detail-view'

function rememberedMode(): DetailMode {
  return localStorage.getItem(MODE_KEY) === 'panel' ? 'panel' : 'modal'
}

export function DetailView({
  node,
  info,
  problems,
  upstream,
  workflowId,
  nodeRun,
  lastStep,
  allNodes,
  onClose,
  pinAndTest,
}: {
  node: GraphNode
  info: NodeTypeInfo | undefined
  problems: Problem[]
  upstream: string[]
  workflowId: number
  nodeRun: NodeRun
  lastStep: RunDetailStep | null
  allNodes: GraphNode[]
  onClose: () => void
  /** The pinned-data and test-a-step pane (editor/detail/PinAndTest.tsx), mounted by the editor. */
  pinAndTest?: ReactNode
}) {
  const updateNode = useGraph((s) => s.updateNode)
  const savedVersion = useGraph((s) => s.version)
  const vars = useGraph((s) => s.doc.vars)
  const [mode, setMode] = useState<DetailMode>(rememberedMode)
  const view = useRef<HTMLElement>(null)

  const { detail, run } = nodeRun
  const step0 = useMemo(() => (detail ? (detail.steps.find((s) => s.node_id === node.id) ?? null) : null), [detail, node.id])
  const shown = lastStep ?? step0
  const nodes = useGraph((s) => s.doc.nodes)
  // A pinned output stands for its step's, over the run's: what previews and step tests see too.
  const pinned = useMemo(() => new Set(nodes.filter((n) => n.pinned).map((n) => n.id)), [nodes])
  const outputs = useMemo(() => {
    const merged = outputsOf(detail)
    for (const n of nodes) if (n.pinned) merged[n.id] = n.pinned.output
    return merged
  }, [detail, nodes])
  const data = useMemo(() => ({ trigger: detail?.input, steps: outputs, vars: vars ?? {} }), [detail, outputs, vars])
  const inputRoots: PaneRoot[] = [
    ...(detail ? [{ path: 'trigger', label: 'trigger', value: detail.input }] : []),
    ...upstream.map((id) => ({
      path: `steps.${step(id)}.output`,
      label: pinned.has(id) ? `steps.${id}.output (pinned)` : `steps.${id}.output`,
      value: outputs[id],
    })),
  ]
  const paths = useMemo(() => {
    const all: { path: string; type: string }[] = []
    for (const root of roots(data, upstream)) {
      all.push({ path: root.path, type: root.value === undefined ? 'unknown' : typeOf(root.value) })
      for (const f of flatten(fieldsOf(root.value, root.path))) all.push({ path: f.path, type: f.type })
    }
    return all
  }, [data, upstream])
  const pathsRef = useRef(paths)
  useEffect(() => {
    pathsRef.current = paths
  }, [paths])
  const context: FormContext = useMemo(
    () => ({
      target: { workflowId, nodeId: node.id, runId: run?.id ?? null, runSeq: run?.seq ?? null, savedVersion },
      paths: () => pathsRef.current,
    }),
    [workflowId, node.id, run?.id, run?.seq, savedVersion],
  )

  // Escape closes it (the top modal only) and focus returns to what opened it (../../modal.ts).
  useModal(onClose)
  useEffect(() => {
    view.current?.focus()
  }, [])

  const choose = (next: DetailMode) => {
    setMode(next)
    localStorage.setItem(MODE_KEY, next)
  }
  const title = node.name || info?.title || node.type
  const section = (
    <section
      ref={view}
      tabIndex={-1}
      className={`detail detail-${mode}`}
      role="dialog"
      aria-label={`${title}: details`}
      data-testid="node-detail"
      // The canvas's shortcuts (Delete removes the node, ? opens help) stay out of the view.
      onKeyDown={(e) => ['Delete', 'Backspace', '?'].includes(e.key) && e.nativeEvent.stopPropagation()}
    >
      <header className="detail-head">
        <div className="detail-title">
          <h2>{title}</h2>
          <span className="muted small">
            {info?.title ?? node.type} · <code>steps.{node.id}.output</code>
            {originOf(info) && <span data-testid="detail-plugin"> · plugin {originOf(info)}</span>}
          </span>
        </div>
        <span className="muted small detail-against" data-testid="detail-against">
          {run ? `Data and previews from run #${run.id}${nodeRun.stored ? ' (the latest)' : ''}.` : 'No run yet: previews use an empty trigger and the saved vars.'}
        </span>
        <div className="segmented" role="group" aria-label="Show as">
          <button type="button" className={mode === 'modal' ? 'active' : ''} aria-pressed={mode === 'modal'} onClick={() => choose('modal')}>Modal</button>
          <button type="button" className={mode === 'panel' ? 'active' : ''} aria-pressed={mode === 'panel'} onClick={() => choose('panel')}>Panel</button>
        </div>
        <button type="button" className="link detail-close" onClick={onClose} aria-label="Close the detail view">✕</button>
      </header>
      <div className="detail-body">
        <div className="detail-col detail-input" data-testid="detail-input">
          <DataPane
            title="Input"
            testId="input-pane"
            draggable
            roots={inputRoots}
            empty={upstream.length ? 'Run the workflow (or pin data) to see what this node receives.' : 'A trigger receives the run input.'}
          />
          {inputRoots.some((r) => r.value !== undefined) && (
            <p className="muted small">Drag a field into a parameter to insert the expression that reads it.</p>
          )}
        </div>
        <div className="detail-col detail-params" data-testid="detail-params">
          <h3>Parameters</h3>
          <label className="detail-name">
            Name
            <input value={node.name ?? ''} placeholder={node.id} onChange={(e) => updateNode(node.id, { name: e.target.value })} />
          </label>
          {problems.filter((p) => !(p.field ?? '').startsWith('/config/')).map((p, i) => (
            <p key={i} className="error">{p.message}</p>
          ))}
          <ConfigForm
            formKey={`detail-${node.id}`}
            configSchema={info?.config_schema}
            defaults={info?.default_config}
            value={node.config}
            problems={problems}
            onChange={(config) => updateNode(node.id, { config })}
            context={context}
          />
          {!info?.is_trigger && (
            <details className="detail-settings">
              <summary>When it fails</summary>
              <StepSettings node={node} others={allNodes.filter((n) => n.id !== node.id)} />
            </details>
          )}
        </div>
        <div className="detail-col detail-output" data-testid="detail-output">
          {/* SLOT: pinned data and test a step. The editor mounts
              <PinAndTest workflowId={workflowId} nodeId={node.id} ... /> (editor/detail/PinAndTest.tsx) here. */}
          <div className="detail-slot" data-testid="pin-and-test-slot">{pinAndTest}</div>
          {shown && (
            <p className="small">
              Last run: <span className={`badge badge-${shown.status}`}>{shown.status}</span>
              {shown.duration_ms !== null && <span className="muted"> {shown.duration_ms} ms</span>}
            </p>
          )}
          {shown?.error != null && <pre className="json-view error-view">{JSON.stringify(shown.error, null, 2)}</pre>}
          <DataPane
            title="Output"
            testId="output-pane"
            draggable={false}
            roots={shown ? [{ path: `steps.${step(node.id)}.output`, label: 'output', value: shown.output }] : []}
            empty="Not run yet."
          />
        </div>
      </div>
    </section>
  )
  if (mode === 'panel') return section
  return (
    <div className="detail-backdrop" onClick={onClose}>
      <div className="detail-frame" onClick={(e) => e.stopPropagation()}>{section}</div>
    </div>
  )
}
