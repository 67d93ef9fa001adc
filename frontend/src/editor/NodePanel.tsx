// The side panel for the selected node: name and id, its config as a form generated from
// the node type's JSON Schema (or as JSON), failure settings, compensation, the problems
// the server found on it, expression previews against the last run, and its last run data.
import Form from '@rjsf/core'
import type { FieldProps, UiSchema } from '@rjsf/utils'
import { customizeValidator } from '@rjsf/validator-ajv8'
import jsonata from 'jsonata'
import { useEffect, useMemo, useState } from 'react'
import type { Problem } from '../api/client'
import type { RunDetailStep } from '../runs/types'
import { useGraph } from '../stores/graph'
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

/** uiSchema sending every untyped property to the JSON field. */
function uiFor(schema: Record<string, unknown>): UiSchema {
  const ui: UiSchema = { 'ui:submitButtonOptions': { norender: true } }
  const properties = (schema.properties ?? {}) as Record<string, Record<string, unknown>>
  for (const [name, property] of Object.entries(properties)) {
    if (!TYPED.some((key) => key in property)) ui[name] = { 'ui:field': 'json' }
  }
  return ui
}
const EXPRESSION = /\{\{([\s\S]*?)\}\}/g

function expressionsIn(value: unknown, out: string[] = []): string[] {
  if (typeof value === 'string') for (const m of value.matchAll(EXPRESSION)) out.push(m[1].trim())
  else if (Array.isArray(value)) value.forEach((v) => expressionsIn(v, out))
  else if (value && typeof value === 'object') Object.values(value).forEach((v) => expressionsIn(v, out))
  return out
}

function Preview({ source, data }: { source: string; data: Record<string, unknown> | null }) {
  const [result, setResult] = useState<string>('…')
  useEffect(() => {
    let cancelled = false
    if (!data) {
      setResult('run the workflow once to preview')
      return
    }
    ;(async () => {
      try {
        const value = await jsonata(source).evaluate(data)
        if (!cancelled) setResult(value === undefined ? 'undefined' : JSON.stringify(value))
      } catch (err) {
        if (!cancelled) setResult(`error: ${(err as Error).message}`)
      }
    })()
    return () => {
      cancelled = true
    }
  }, [source, data])
  return (
    <div className="preview">
      <code>{`{{ ${source} }}`}</code> → <code className="preview-value">{result}</code>
    </div>
  )
}

export function NodePanel({
  node,
  info,
  problems,
  upstream,
  runData,
  lastStep,
  allNodes,
}: {
  node: GraphNode
  info: NodeTypeInfo | undefined
  problems: Problem[]
  upstream: string[]
  runData: Record<string, unknown> | null
  lastStep: RunDetailStep | null
  allNodes: GraphNode[]
}) {
  const updateNode = useGraph((s) => s.updateNode)
  const renameNode = useGraph((s) => s.renameNode)
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
  const expressions = useMemo(() => expressionsIn(node.config), [node.config])
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
            fields={{ json: JsonField }}
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
        {expressions.map((source, i) => (
          <Preview key={i} source={source} data={runData} />
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
