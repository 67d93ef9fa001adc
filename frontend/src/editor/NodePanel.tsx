// The side panel for the selected node: name and id, its config as a form generated from
// the node type's JSON Schema (or as JSON), failure settings, compensation, the problems
// the server found on it, expression previews (the server's, against the last run), and its
// last run data.
import Form from '@rjsf/core'
import type { FieldProps, UiSchema } from '@rjsf/utils'
import { customizeValidator } from '@rjsf/validator-ajv8'
import { useEffect, useMemo, useState } from 'react'
import { api, ApiError, type Problem } from '../api/client'
import type { components } from '../api/generated/schema'
import type { RunDetailStep } from '../runs/types'
import { useGraph } from '../stores/graph'
import { CREDENTIAL_TYPES_KEYWORD, CredentialField } from './CredentialField'
import { expressionsIn, type Expression } from './expressions'
import type { GraphNode, NodeTypeInfo } from './types'

const validator = customizeValidator({ ajvOptionsOverrides: { strict: false } })

/** A field whose schema allows any JSON value (no `type`): edited as JSON text. */
function JsonField(props: FieldProps) {
  const [text, setText] = useState(() => (props.formData === undefined ? '' : JSON.stringify(props.formData, null, 2)))
  const [bad, setBad] = useState(false)
  return (
    <label className="json-field">
      {props.schema.title ?? props.name}
      {props.schema.description && <span className="field-description">{props.schema.description}</span>}
      <textarea
        className="json"
        rows={4}
        id={props.fieldPathId.$id}
        value={text}
        onChange={(e) => {
          setText(e.target.value)
          if (!e.target.value.trim()) {
            setBad(false)
            props.onChange(undefined, props.fieldPathId.path)
            return
          }
          try {
            props.onChange(JSON.parse(e.target.value), props.fieldPathId.path)
            setBad(false)
          } catch {
            setBad(true)
          }
        }}
      />
      {bad && <span className="error-detail">Not valid JSON yet.</span>}
    </label>
  )
}

const TYPED = ['type', 'enum', 'const', 'oneOf', 'anyOf', 'allOf', '$ref']

/** uiSchema sending every untyped property to the JSON field, and those naming a
 * credential to the credential picker. */
function uiFor(schema: Record<string, unknown>): UiSchema {
  const ui: UiSchema = { 'ui:submitButtonOptions': { norender: true } }
  const properties = (schema.properties ?? {}) as Record<string, Record<string, unknown>>
  for (const [name, property] of Object.entries(properties)) {
    if (CREDENTIAL_TYPES_KEYWORD in property) ui[name] = { 'ui:field': 'credential', 'ui:label': false }
    else if (!TYPED.some((key) => key in property)) ui[name] = { 'ui:field': 'json' }
  }
  return ui
}
type PreviewResult = components['schemas']['PreviewResult']
type PreviewState = { kind: 'pending' } | { kind: 'done'; result: PreviewResult } | { kind: 'refused'; message: string }

const PREVIEW_DELAY_MS = 300

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
  const [state, setState] = useState<PreviewState>({ kind: 'pending' })
  useEffect(() => {
    const controller = new AbortController()
    const timer = setTimeout(async () => {
      try {
        const body = JSON.stringify({ expression: source, node_id: nodeId, run_id: runId })
        const result = await api<PreviewResult>(`/api/workflows/${workflowId}/preview/`, { method: 'POST', body, signal: controller.signal })
        setState({ kind: 'done', result })
      } catch (err) {
        if (controller.signal.aborted) return
        setState({ kind: 'refused', message: err instanceof ApiError ? (err.problems[0]?.message ?? err.message) : String(err) })
      }
    }, PREVIEW_DELAY_MS)
    return () => {
      clearTimeout(timer)
      controller.abort()
    }
  }, [workflowId, nodeId, runId, runSeq, savedVersion, source])

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
      {state.kind === 'pending' && <span className="muted">…</span>}
      {state.kind === 'refused' && <span className="muted preview-refused" data-testid="preview-refused">{state.message}</span>}
      {state.kind === 'done' && !error && (
        <code className="preview-value" data-testid="preview-value">{JSON.stringify(state.result.value ?? null)}</code>
      )}
      {error && (
        <span className="preview-error" data-testid="preview-error">
          {error.message}
          {(position !== null || error.code) && (
            <span className="preview-where"> ({[position !== null && `at character ${position}`, error.code].filter(Boolean).join(', ')})</span>
          )}
        </span>
      )}
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
  const renameNode = useGraph((s) => s.renameNode)
  const savedVersion = useGraph((s) => s.version)
  const [idDraft, setIdDraft] = useState(node.id)
  const [idError, setIdError] = useState<string | null>(null)
  const [asJson, setAsJson] = useState(false)
  const [jsonDraft, setJsonDraft] = useState(JSON.stringify(node.config, null, 2))
  const [jsonError, setJsonError] = useState<string | null>(null)
  useEffect(() => {
    setIdDraft(node.id)
    setIdError(null)
    setJsonDraft(JSON.stringify(node.config, null, 2))
  }, [node.id, node.config])

  const schema = useMemo(() => ({ ...(info?.config_schema ?? {}), title: undefined }), [info])
  const extraErrors = useMemo(() => {
    const errors: Record<string, unknown> = {}
    for (const p of problems) {
      const parts = (p.field ?? '').split('/').filter(Boolean)
      if (parts[0] !== 'config' || parts.length < 2) continue
      let target = errors as Record<string, unknown>
      for (const part of parts.slice(1)) target = (target[part] ??= {}) as Record<string, unknown>
      target.__errors = [...((target.__errors as string[]) ?? []), p.message]
    }
    return errors
  }, [problems])
  const expressions = useMemo(() => expressionsIn(node.config, info?.config_schema), [node.config, info])
  const others = allNodes.filter((n) => n.id !== node.id)

  return (
    <aside className="panel" aria-label="Node settings">
      <h2>{info?.title ?? node.type}</h2>
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
          <Form
            key={node.id}
            schema={schema}
            formData={node.config}
            validator={validator}
            noValidate
            extraErrors={extraErrors as never}
            showErrorList={false}
            uiSchema={uiFor(schema)}
            fields={{ json: JsonField, credential: CredentialField }}
            onChange={(e) => updateNode(node.id, { config: (e.formData ?? {}) as Record<string, unknown> })}
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
            {run ? `Previewed against run #${run.id}.` : 'No run yet: previewed with an empty trigger and the saved vars.'}
          </p>
        )}
        {expressions.map((expression, i) => (
          <Preview
            key={i}
            workflowId={workflowId}
            nodeId={node.id}
            runId={run?.id ?? null}
            runSeq={run?.seq ?? null}
            savedVersion={savedVersion}
            expression={expression}
          />
        ))}
      </div>

      {!info?.is_trigger && (
        <div className="panel-section">
          <h3>When it fails</h3>
          <label>
            Attempts
            <input
              type="number"
              min={1}
              max={20}
              value={node.retry?.max_attempts ?? 1}
              onChange={(e) => updateNode(node.id, { retry: { ...node.retry, max_attempts: Number(e.target.value) || 1 } })}
            />
          </label>
          <label>
            Timeout (s)
            <input
              type="number"
              min={1}
              value={node.timeout_s ?? ''}
              placeholder="default"
              onChange={(e) => updateNode(node.id, { timeout_s: e.target.value ? Number(e.target.value) : undefined })}
            />
          </label>
          <label>
            On error
            <select value={node.on_error ?? 'fail'} onChange={(e) => updateNode(node.id, { on_error: e.target.value as GraphNode['on_error'] })}>
              <option value="fail">fail the run</option>
              <option value="continue">continue with the error as output</option>
              <option value="route">route to the error port</option>
            </select>
          </label>
          <label>
            Compensation (runs if the run fails later)
            <select value={node.compensation ?? ''} onChange={(e) => updateNode(node.id, { compensation: e.target.value || undefined })}>
              <option value="">none</option>
              {others.map((n) => (
                <option key={n.id} value={n.id}>
                  {n.name || n.id}
                </option>
              ))}
            </select>
          </label>
        </div>
      )}

      {lastStep && (
        <div className="panel-section" aria-label="Last run">
          <h3>
            Last run: <span className={`badge badge-${lastStep.status}`}>{lastStep.status}</span>
            {lastStep.duration_ms !== null && <span className="muted"> {lastStep.duration_ms} ms</span>}
          </h3>
          {lastStep.error != null && (
            <>
              <h4>Error</h4>
              <pre className="json-view error-view">{JSON.stringify(lastStep.error, null, 2)}</pre>
            </>
          )}
          <h4>Output</h4>
          <pre className="json-view" data-testid="step-output">{JSON.stringify(lastStep.output, null, 2)}</pre>
          <h4>Input (rendered config)</h4>
          <pre className="json-view">{JSON.stringify(lastStep.input, null, 2)}</pre>
        </div>
      )}
    </aside>
  )
}
