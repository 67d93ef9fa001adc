// A trigger's input schema edited as rows of field, type and "required", the JSON Schema
// written from them; a schema these rows cannot show (nested objects, patterns…) stays JSON.
import type { FieldProps } from '@rjsf/utils'
import { rowsOf, schemaOf, TYPES, type Row, type Schema } from './inputSchema'
import { JsonField } from './widgets'

export function SchemaEditor(props: FieldProps) {
  const value = props.formData as Schema | undefined
  const rows = rowsOf(value)
  if (rows === null) return <JsonField {...props} />
  const title = props.schema.title ?? props.name
  const set = (next: Row[]) => props.onChange(schemaOf(next, value), props.fieldPathId.path)
  return (
    <fieldset className="schema-editor">
      <legend>{title}</legend>
      {props.schema.description && <p className="field-description">{props.schema.description}</p>}
      {rows.map((row, i) => (
        <div className="schema-row" key={i}>
          <input aria-label={`Field ${i + 1} name`} value={row.name} onChange={(e) => set(rows.map((r, j) => (j === i ? { ...r, name: e.target.value } : r)))} />
          <select aria-label={`Field ${i + 1} type`} value={row.type} onChange={(e) => set(rows.map((r, j) => (j === i ? { ...r, type: e.target.value } : r)))}>
            {TYPES.map((t) => (
              <option key={t}>{t}</option>
            ))}
          </select>
          <label className="inline-check">
            <input type="checkbox" checked={row.required} onChange={(e) => set(rows.map((r, j) => (j === i ? { ...r, required: e.target.checked } : r)))} />
            required
          </label>
          <button type="button" className="link" aria-label={`Remove field ${row.name || i + 1}`} onClick={() => set(rows.filter((_, j) => j !== i))}>✕</button>
        </div>
      ))}
      <button type="button" className="secondary small-button" onClick={() => set([...rows, { name: `field${rows.length + 1}`, type: 'string', required: false }])}>
        + Add a field
      </button>
    </fieldset>
  )
}
