// The side panel for the selected node: name and id, its config as a form generated from
// the node type's JSON Schema (or as JSON), failure settings, compensation, the problems
// the server found on it, expression previews (the server's, against the last run), and its
// last run data. "Open details" shows the node detail view (editor/detail/DetailView.tsx).
import { useEffect, useMemo, useState } from 'react'
import type { Problem } from '../api/client'
import type { RunDetailStep } from '../runs/types'
import { useGraph } from '../stores/graph'
import { ConfigForm } from './detail/ConfigForm'
import { DetailView } from './detail/DetailView'
import { PinAndTest } from './detail/PinAndTest'
import { PreviewAnswer } from './detail/PreviewAnswer'
import { StepSettings } from './detail/StepSettings'
import { useNodeRun } from './detail/useNodeData'
import { usePreviews } from './detail/usePreviews'
import { expressionsIn, type Expression } from './expressions'
import type { GraphNode, NodeTypeInfo } from './types'

/** What the server makes of one expression (POST /api/workflows/{id}/preview/), as a run
 * would evaluate it: against the node's data in the run `runId`, or with no run. Asked
 * again, debounced, when the source, the node, the run's data or the saved draft changes. */
export function Preview({
  workflowId,
  nodeId,
  runId,
  runSeq,
  savedVersion,
  expression,
}: {
  workflowId: number
  nodeId: string
  runId: number | null
  runSeq: number | null
  /** The draft's saved version: its vars and nodes are what the server previews with. */
  savedVersion: number | null
  expression: Expression
}) {
  const { source, jsonata } = expression
  const [state = { kind: 'pending' }] = usePreviews({ workflowId, nodeId, runId, runSeq, savedVersion }, [source])
  const shown = jsonata ? source : `{{ ${source} }}`
  const error = state.kind === 'done' ? state.result.error : undefined
  const position = error?.position ?? null
  return (
    <div className={`preview${error ? ' preview-failed' : ''}`} data-testid="preview">
      {error && position !== null && position <= source.length ? (
        <code title={`The error is at character ${position}`}>
          {!jsonata && '{{ '}
          {source.slice(0, position)}
          <mark className="preview-at">{source.slice(position, position + 1) || ' '}</mark>
          {source.slice(position + 1)}
          {!jsonata && ' }}'}
        </code>
      ) : (
        <code>{shown}</code>
      )}{' '}
      →{' '}
      <PreviewAnswer state={state} />
    </div>
  )
}

export function NodePanel({
  node,
  info,
  problems,
  upstream,
  workflowId,
  run,
  lastStep,
  allNodes,
}: {
  node: GraphNode
  info: NodeTypeInfo | undefined
  problems: Problem[]
  upstream: string[]
  workflowId: number
  /** The run the previews are made against (its id and latest event), or none. */
  run: { id: number; seq: number } | null
  lastStep: RunDetailStep | null
  allNodes: GraphNode[]
}) {
  const updateNode = useGraph((s) => s.updateNode)
  const endEdit = useGraph((s) => s.endEdit)
  const renameNode = useGraph((s) => s.renameNode)
  const savedVersion = useGraph((s) => s.version)
  const [idDraft, setIdDraft] = useState(node.id)
  const [idError, setIdError] = useState<string | null>(null)
  const [asJson, setAsJson] = useState(false)
  const [jsonDraft, setJsonDraft] = useState(JSON.stringify(node.config, null, 2))
  const [jsonError, setJsonError] = useState<string | null>(null)
  const [detailOpen, setDetailOpen] = useState(false)
  // After a reload the editor follows no run: the previews use the workflow's latest one.
  const nodeRun = useNodeRun(workflowId, run)
  const previewRun = nodeRun.run
  const shownStep = lastStep ?? nodeRun.detail?.steps.find((s) => s.node_id === node.id) ?? null
  useEffect(() => {
    setIdDraft(node.id)
    setIdError(null)
    setJsonDraft(JSON.stringify(node.config, null, 2))
  }, [node.id, node.config])

  const expressions = useMemo(() => expressionsIn(node.config, info?.config_schema), [node.config, info])
  const others = allNodes.filter((n) => n.id !== node.id)

  return (
    // Leaving a field ends its undo step (typing in it is one step: stores/graph.ts).
    <aside className="panel" aria-label="Node settings" onBlur={endEdit}>
      <div className="row">
        <h2>{info?.title ?? node.type}</h2>
        <button type="button" className="secondary small-button" onClick={() => setDetailOpen(true)} title="Input, parameters and output side by side">
          Open details
        </button>
      </div>
      <p className="muted">{info?.description}</p>
      <label>
        Name
        <input value={node.name ?? ''} placeholder={node.id} onChange={(e) => updateNode(node.id, { name: e.target.value })} />
      </label>
      <label>
        Id (used in expressions: <code>steps.{node.id}.output</code>)
        <input
          value={idDraft}
          aria-label="Node id"
          onChange={(e) => setIdDraft(e.target.value)}
          onBlur={() => setIdError(renameNode(node.id, idDraft.trim()))}
          onKeyDown={(e) => e.key === 'Enter' && setIdError(renameNode(node.id, idDraft.trim()))}
        />
      </label>
      {idError && <p className="error">{idError}</p>}
      {problems.filter((p) => !(p.field ?? '').startsWith('/config/')).map((p, i) => (
        <p key={i} className="error">{p.message}</p>
      ))}

      <div className="panel-section">
        <div className="row">
          <h3>Configuration</h3>
          <button type="button" className="link" onClick={() => setAsJson(!asJson)}>
            {asJson ? 'Edit as form' : 'Edit as JSON'}
          </button>
        </div>
        {asJson ? (
          <>
            <textarea className="json" rows={10} value={jsonDraft} onChange={(e) => setJsonDraft(e.target.value)} aria-label="Config JSON" />
            {jsonError && <p className="error">{jsonError}</p>}
            <button
              type="button"
              onClick={() => {
                try {
                  updateNode(node.id, { config: JSON.parse(jsonDraft) })
                  setJsonError(null)
                } catch (err) {
                  setJsonError(`Not valid JSON: ${(err as Error).message}`)
                }
              }}
            >
              Apply JSON
            </button>
          </>
        ) : (
          <ConfigForm
            formKey={node.id}
            configSchema={info?.config_schema}
            defaults={info?.default_config}
            value={node.config}
            problems={problems}
            onChange={(config) => updateNode(node.id, { config })}
          />
        )}
      </div>

      <div className="panel-section">
        <h3>Expressions</h3>
        <p className="muted">Any field takes <code>{'{{ expression }}'}</code> (JSONata). Available here:</p>
        <div className="chips">
          {['trigger', ...upstream.map((id) => `steps.${id}.output`), 'vars', 'run.id'].map((path) => (
            <button type="button" key={path} className="chip" title="Copy" onClick={() => navigator.clipboard?.writeText(`{{ ${path} }}`)}>
              {path}
            </button>
          ))}
        </div>
        {expressions.length > 0 && (
          <p className="muted small" data-testid="preview-against">
            {previewRun ? `Previewed against run #${previewRun.id}.` : 'No run yet: previewed with an empty trigger and the saved vars.'}
          </p>
        )}
        {expressions.map((expression, i) => (
          <Preview
            key={i}
            workflowId={workflowId}
            nodeId={node.id}
            runId={previewRun?.id ?? null}
            runSeq={previewRun?.seq ?? null}
            savedVersion={savedVersion}
            expression={expression}
          />
        ))}
      </div>

      {!info?.is_trigger && (
        <div className="panel-section">
          <h3>When it fails</h3>
          <StepSettings node={node} others={others} />
        </div>
      )}

      {shownStep && (
        <div className="panel-section" aria-label="Last run">
          <h3>
            Last run: <span className={`badge badge-${shownStep.status}`}>{shownStep.status}</span>
            {shownStep.duration_ms !== null && <span className="muted"> {shownStep.duration_ms} ms</span>}
          </h3>
          {shownStep.error != null && (
            <>
              <h4>Error</h4>
              <pre className="json-view error-view">{JSON.stringify(shownStep.error, null, 2)}</pre>
            </>
          )}
          <h4>Output</h4>
          <pre className="json-view" data-testid="step-output">{JSON.stringify(shownStep.output, null, 2)}</pre>
          <h4>Input (rendered config)</h4>
          <pre className="json-view">{JSON.stringify(shownStep.input, null, 2)}</pre>
        </div>
      )}
      {detailOpen && (
        <DetailView
          node={node}
          info={info}
          problems={problems}
          upstream={upstream}
          workflowId={workflowId}
          nodeRun={nodeRun}
          lastStep={shownStep}
          allNodes={allNodes}
          onClose={() => setDetailOpen(false)}
          pinAndTest={
            <PinAndTest
              workflowId={workflowId}
              nodeId={node.id}
              lastOutput={shownStep ? { output: shownStep.output } : null}
              runId={previewRun?.id ?? null}
            />
          }
        />
      )}
    </aside>
  )
}
