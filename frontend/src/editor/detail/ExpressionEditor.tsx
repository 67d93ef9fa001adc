// The expression editor (CodeMirror 6) of a `{{ }}` field or a whole JSONata field:
// highlighting, completion of the data's paths and of JSONata's functions, the server's
// error marked at its position, and the server's preview of each expression below.
import { autocompletion, closeBrackets, completionKeymap } from '@codemirror/autocomplete'
import { defaultKeymap, history, historyKeymap } from '@codemirror/commands'
import { HighlightStyle, syntaxHighlighting } from '@codemirror/language'
import { setDiagnostics, type Diagnostic } from '@codemirror/lint'
import { EditorState } from '@codemirror/state'
import { EditorView, keymap, placeholder as placeholderText } from '@codemirror/view'
import { tags } from '@lezer/highlight'
import { useEffect, useMemo, useRef } from 'react'
import { templateParts, template as templateOf } from './dataShape'
import { completionSource, jsonataLanguage, templateLanguage } from './jsonata'
import { PreviewAnswer } from './PreviewAnswer'
import { usePreviews, type PreviewState, type PreviewTarget } from './usePreviews'

/** The drag data of a field from an input pane: its path, bare. */
export const PATH_TYPE = 'application/x-stepwise-path'

const highlight = HighlightStyle.define([
  { tag: tags.brace, color: '#7c3aed', fontWeight: '600' },
  { tag: tags.propertyName, color: '#1d4ed8' },
  { tag: tags.function(tags.variableName), color: '#b45309' },
  { tag: tags.variableName, color: '#b45309' },
  { tag: tags.string, color: '#047857' },
  { tag: tags.number, color: '#be123c' },
  { tag: tags.keyword, color: '#7c3aed' },
  { tag: tags.comment, color: '#6b7280', fontStyle: 'italic' },
  { tag: tags.operator, color: '#374151' },
])

export interface ExpressionEditorProps {
  id: string
  label: string
  value: string
  onChange: (value: string) => void
  /** A whole JSONata field (a transform's, a condition's) rather than text with `{{ }}`. */
  jsonata: boolean
  /** The paths the node's data has (for completion). */
  paths: () => { path: string; type: string }[]
  target: PreviewTarget
  placeholder?: string
}

/** The expressions of the field, each with where its source starts in the field's text. */
function partsOf(value: string, jsonata: boolean): { source: string; from: number }[] {
  if (jsonata) return value.trim() ? [{ source: value, from: 0 }] : []
  return templateParts(value)
}

function diagnostics(value: string, parts: { source: string; from: number }[], states: PreviewState[]): Diagnostic[] {
  const out: Diagnostic[] = []
  parts.forEach((part, i) => {
    const state = states[i]
    if (state?.kind !== 'done' || !state.result.error) return
    const { message, position } = state.result.error
    const at = position == null ? part.from : Math.min(part.from + position, value.length)
    const from = at >= value.length ? Math.max(0, value.length - 1) : at
    out.push({ from, to: Math.min(from + 1, value.length), severity: 'error', message })
  })
  return out
}

export function ExpressionEditor({ id, label, value, onChange, jsonata, paths, target, placeholder }: ExpressionEditorProps) {
  const host = useRef<HTMLDivElement>(null)
  const view = useRef<EditorView | null>(null)
  const latest = useRef({ onChange, paths, jsonata })
  latest.current = { onChange, paths, jsonata }
  // The texts sent up that the form has not handed back yet: the form renders after
  // CodeMirror's own events, so a value a keystroke behind is ours, not a change from outside.
  const sent = useRef<string[]>([])

  useEffect(() => {
    const single = !jsonata
    const created = new EditorView({
      parent: host.current!,
      state: EditorState.create({
        doc: value,
        extensions: [
          history(),
          closeBrackets(),
          jsonata ? jsonataLanguage : templateLanguage,
          syntaxHighlighting(highlight),
          autocompletion({ override: [completionSource(() => latest.current.paths(), !jsonata)], icons: false }),
          keymap.of([...completionKeymap, ...(single ? [{ key: 'Enter', run: () => true }] : []), ...defaultKeymap, ...historyKeymap]),
          EditorView.lineWrapping,
          EditorView.contentAttributes.of({ 'aria-label': label, 'data-field-id': id }),
          placeholder ? placeholderText(placeholder) : [],
          EditorView.updateListener.of((update) => {
            if (!update.docChanged) return
            const text = update.state.doc.toString()
            sent.current.push(text)
            latest.current.onChange(text)
          }),
          EditorView.domEventHandlers({
            drop(event, editor) {
              const path = event.dataTransfer?.getData(PATH_TYPE)
              if (!path) return false
              event.preventDefault()
              const pos = editor.posAtCoords({ x: event.clientX, y: event.clientY }) ?? editor.state.doc.length
              const before = editor.state.sliceDoc(0, pos)
              const inside = before.lastIndexOf('{{') > before.lastIndexOf('}}')
              const insert = latest.current.jsonata || inside ? path : templateOf(path)
              editor.dispatch({ changes: { from: pos, insert }, selection: { anchor: pos + insert.length } })
              editor.focus()
              return true
            },
          }),
        ],
      }),
    })
    view.current = created
    return () => {
      created.destroy()
      view.current = null
    }
    // The view is made once per field; later values come in through the effect below.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [jsonata, id])

  // A value changed from outside (undo, JSON edit, another node): replace the document.
  useEffect(() => {
    const current = view.current
    const ours = sent.current.indexOf(value)
    if (ours >= 0) {
      sent.current = sent.current.slice(ours + 1)
      return
    }
    sent.current = []
    if (current && current.state.doc.toString() !== value) {
      current.dispatch({ changes: { from: 0, to: current.state.doc.length, insert: value } })
    }
  }, [value])

  const parts = useMemo(() => partsOf(value, jsonata), [value, jsonata])
  const states = usePreviews(target, parts.map((p) => p.source))

  useEffect(() => {
    const current = view.current
    if (current) current.dispatch(setDiagnostics(current.state, diagnostics(current.state.doc.toString(), parts, states)))
  }, [parts, states])

  return (
    <div className="expression-field">
      <div ref={host} className={`cm-host${jsonata ? ' cm-jsonata' : ''}`} data-testid="expression-editor" />
      {parts.map((part, i) => (
        <PreviewLine key={i} source={part.source} state={states[i] ?? { kind: 'pending' }} />
      ))}
    </div>
  )
}

function PreviewLine({ source, state }: { source: string; state: PreviewState }) {
  const error = state.kind === 'done' ? state.result.error : undefined
  return (
    <div className={`preview detail-preview${error ? ' preview-failed' : ''}`} data-testid="preview" title={source}>
      <span className="muted">→ </span>
      <PreviewAnswer state={state} />
    </div>
  )
}
