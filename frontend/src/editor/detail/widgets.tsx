// The config form's own widgets: a switch with its label beside it, key/value pairs for a
// map of strings (headers, query), a list typed as text (`4xx, 5xx, 404`), a field of any
// JSON edited as JSON text, and the expression editor for text and JSONata fields.
import type { FieldProps, WidgetProps } from '@rjsf/utils'
import { useState } from 'react'
import { ExpressionEditor } from './ExpressionEditor'
import type { PreviewTarget } from './usePreviews'

/** What the expression widgets need, given through RJSF's formContext. */
export interface FormContext {
  target: PreviewTarget
  paths: () => { path: string; type: string }[]
}

function titleOf(props: { schema: { title?: string }; name: string }) {
  return props.schema.title ?? props.name
}

export function SwitchWidget(props: WidgetProps) {
  return (
    <label className="switch">
      <input
        type="checkbox"
        role="switch"
        id={props.id}
        checked={Boolean(props.value ?? props.options.unset)}
        disabled={props.disabled || props.readonly}
        onChange={(e) => props.onChange(e.target.checked)}
      />
      <span className="switch-track" aria-hidden="true" />
      <span>{props.label}</span>
    </label>
  )
}

export function ExpressionWidget(props: WidgetProps) {
  const context = props.registry.formContext as FormContext | undefined
  if (!context) return <input id={props.id} value={props.value ?? ''} onChange={(e) => props.onChange(e.target.value)} />
  return (
    <ExpressionEditor
      id={props.id}
      label={props.label || props.name}
      value={typeof props.value === 'string' ? props.value : ''}
      onChange={(next) => props.onChange(next === '' ? undefined : next)}
      jsonata={Boolean(props.schema['x-jsonata'])}
      paths={context.paths}
      target={context.target}
      placeholder={props.placeholder || (props.schema['x-jsonata'] ? 'JSONata, e.g. steps.fetch.output.total > 100' : 'Text, or {{ expression }}')}
    />
  )
}

/** A map of strings as rows of name and value, a row added at the end. */
export function KeyValueField(props: FieldProps) {
  const entries = Object.entries((props.formData ?? {}) as Record<string, string>)
  const [draft, setDraft] = useState<[string, string]>(['', ''])
  const set = (next: [string, string][]) => props.onChange(Object.fromEntries(next.filter(([k]) => k !== '')), props.fieldPathId.path)
  return (
    <fieldset className="kv-field">
      <legend>{titleOf(props)}</legend>
      {entries.map(([key, value], i) => (
        <div className="kv-row" key={i}>
          <input aria-label={`${titleOf(props)} name ${i + 1}`} value={key} onChange={(e) => set(entries.map((p, j) => (j === i ? [e.target.value, p[1]] : p)))} />
          <input aria-label={`${titleOf(props)} value ${i + 1}`} value={value} onChange={(e) => set(entries.map((p, j) => (j === i ? [p[0], e.target.value] : p)))} />
          <button type="button" className="link" aria-label={`Remove ${key}`} onClick={() => set(entries.filter((_, j) => j !== i))}>✕</button>
        </div>
      ))}
      <div className="kv-row kv-new">
        <input aria-label={`New ${titleOf(props)} name`} placeholder="name" value={draft[0]} onChange={(e) => setDraft([e.target.value, draft[1]])} />
        <input aria-label={`New ${titleOf(props)} value`} placeholder="value" value={draft[1]} onChange={(e) => setDraft([draft[0], e.target.value])} />
        <button
          type="button"
          className="link"
          aria-label={`Add to ${titleOf(props)}`}
          disabled={!draft[0].trim()}
          onClick={() => {
            set([...entries, [draft[0].trim(), draft[1]]])
            setDraft(['', ''])
          }}
        >
          Add
        </button>
      </div>
    </fieldset>
  )
}

/** A list of numbers or short codes, typed as text separated by commas. */
export function ListField(props: FieldProps) {
  const items = (props.formData ?? []) as unknown[]
  const [text, setText] = useState(items.join(', '))
  const description = props.schema.description
  return (
    <label className="list-field">
      {titleOf(props)}
      {description && <span className="field-description">{description}</span>}
      <input
        id={props.fieldPathId.$id}
        value={text}
        placeholder="e.g. 404, 5xx"
        onChange={(e) => {
          setText(e.target.value)
          const parts = e.target.value.split(',').map((s) => s.trim()).filter(Boolean)
          props.onChange(parts.map((p) => (/^\d+$/.test(p) ? Number(p) : p)), props.fieldPathId.path)
        }}
      />
    </label>
  )
}

/** A field whose schema allows any JSON value (no `type`): edited as JSON text. */
export function JsonField(props: FieldProps) {
  const [text, setText] = useState(() => (props.formData === undefined ? '' : JSON.stringify(props.formData, null, 2)))
  const [bad, setBad] = useState(false)
  return (
    <label className="json-field">
      {titleOf(props)}
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
