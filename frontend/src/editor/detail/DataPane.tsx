// A data pane of the node detail view: values under their roots (`trigger`,
// `steps.fetch.output`) as a table, a JSON tree or a schema (field names and types). In
// the input pane each field can be dragged into a parameter: it drops the expression
// that reads it.
import { useState, type DragEvent } from 'react'
import { fieldsOf, step, template, typeOf, type Field } from './dataShape'
import { PATH_TYPE } from './ExpressionEditor'

export type PaneMode = 'schema' | 'table' | 'json'
const MODES: [PaneMode, string][] = [['schema', 'Schema'], ['table', 'Table'], ['json', 'JSON']]

export interface PaneRoot {
  path: string
  label: string
  value: unknown
}

function remembered(key: string): PaneMode {
  const stored = localStorage.getItem(key)
  return stored === 'table' || stored === 'json' ? stored : 'schema'
}

function dragProps(path: string | null) {
  if (!path) return {}
  return {
    draggable: true,
    onDragStart: (e: DragEvent) => {
      e.dataTransfer.setData(PATH_TYPE, path)
      e.dataTransfer.setData('text/plain', template(path))
      e.dataTransfer.effectAllowed = 'copy'
    },
    title: `Drag into a parameter: ${template(path)}`,
    'data-path': path,
  }
}

export function DataPane({ title, roots, empty, draggable, testId }: { title: string; roots: PaneRoot[]; empty: string; draggable: boolean; testId: string }) {
  const key = `stepwise-detail-${testId}-mode`
  const [mode, setMode] = useState<PaneMode>(() => remembered(key))
  const known = roots.filter((r) => r.value !== undefined)
  return (
    <section className="data-pane" data-testid={testId} aria-label={title}>
      <div className="pane-head">
        <h3>{title}</h3>
        <div className="segmented" role="group" aria-label={`${title} as`}>
          {MODES.map(([value, label]) => (
            <button
              type="button"
              key={value}
              className={mode === value ? 'active' : ''}
              aria-pressed={mode === value}
              onClick={() => {
                setMode(value)
                localStorage.setItem(key, value)
              }}
            >
              {label}
            </button>
          ))}
        </div>
      </div>
      {known.length === 0 && <p className="muted small">{empty}</p>}
      {known.map((root) => (
        <div className="data-root" key={root.path}>
          <div className="data-root-name" {...dragProps(draggable ? root.path : null)}>
            <code>{root.label}</code> <span className="type">{typeOf(root.value)}</span>
          </div>
          {mode === 'schema' && <SchemaView fields={fieldsOf(root.value, root.path)} draggable={draggable} />}
          {mode === 'table' && <TableView value={root.value} path={root.path} draggable={draggable} />}
          {mode === 'json' && <JsonTree value={root.value} path={root.path} draggable={draggable} />}
        </div>
      ))}
    </section>
  )
}

function SchemaView({ fields, draggable }: { fields: Field[]; draggable: boolean }) {
  if (fields.length === 0) return null
  return (
    <ul className="schema-view">
      {fields.map((f) => (
        <li key={f.path}>
          <div className="field-row" {...dragProps(draggable ? f.path : null)}>
            <span className="field-name">{f.name}</span>
            <span className={`type type-${f.type}`}>{f.type}</span>
            {f.sample !== undefined && <span className="sample">{f.sample}</span>}
          </div>
          <SchemaView fields={f.children} draggable={draggable} />
        </li>
      ))}
    </ul>
  )
}

function cell(value: unknown): string {
  if (value === undefined) return ''
  const text = typeof value === 'string' ? value : JSON.stringify(value)
  return text.length > 60 ? `${text.slice(0, 59)}…` : text
}

const MAX_ROWS = 20

function TableView({ value, path, draggable }: { value: unknown; path: string; draggable: boolean }) {
  const rows = (Array.isArray(value) ? value : [value]).slice(0, MAX_ROWS)
  if (!rows.every((r) => r && typeof r === 'object' && !Array.isArray(r))) return <pre className="json-view">{JSON.stringify(value, null, 2)}</pre>
  const columns = [...new Set(rows.flatMap((r) => Object.keys(r as object)))].slice(0, 8)
  return (
    <div className="table-view">
      <table>
        <thead>
          <tr>
            {columns.map((c) => (
              <th key={c} {...dragProps(draggable ? `${path}.${step(c)}` : null)}>{c}</th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((r, i) => (
            <tr key={i}>
              {columns.map((c) => (
                <td key={c}>{cell((r as Record<string, unknown>)[c])}</td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
      {Array.isArray(value) && value.length > MAX_ROWS && <p className="muted small">{value.length - MAX_ROWS} more rows</p>}
    </div>
  )
}

function JsonTree({ value, path, draggable, name }: { value: unknown; path: string; draggable: boolean; name?: string }) {
  const [open, setOpen] = useState(true)
  const label = name !== undefined && <span className="json-key" {...dragProps(draggable ? path : null)}>{name}: </span>
  if (value === null || typeof value !== 'object') {
    return <div className="json-leaf">{label}<span className={`json-${typeOf(value)}`}>{JSON.stringify(value)}</span></div>
  }
  const entries = Array.isArray(value) ? value.map((v, i): [string, unknown] => [String(i), v]) : Object.entries(value)
  return (
    <div className="json-node">
      <button type="button" className="link json-toggle" aria-expanded={open} onClick={() => setOpen(!open)}>
        {open ? '▾' : '▸'}
      </button>
      {label}
      <span className="muted">{Array.isArray(value) ? `[${entries.length}]` : `{${entries.length}}`}</span>
      {open && (
        <div className="json-children">
          {entries.slice(0, 100).map(([k, v]) => (
            <JsonTree key={k} name={k} value={v} draggable={draggable} path={Array.isArray(value) ? `${path}[${k}]` : `${path}.${step(k)}`} />
          ))}
        </div>
      )}
    </div>
  )
}
