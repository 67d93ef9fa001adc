// Fix a failed or interrupted step and resume the same run (POST /api/runs/{id}/steps/{node}/fix/):
// edit its input (it runs again with it) or, when its effect happened, enter its output (it
// succeeds with it, not called again). A fix is an entry of the step's `attempts`, between its
// attempts: who changed what, when, the old value and the new; FixEntryRow shows one.
import { useState } from 'react'
import { ApiError, call, client, type Problem, type Schemas } from '../api/client'
import { useNodeTypes } from '../api/queries'
import type { RunDetail, RunStep } from './types'

export interface FixEntry {
  fix: 'input' | 'output'
  by: string
  at: string
  old: unknown
  new: unknown
  comment: string
  after_attempt: number
}

export function isFix(entry: unknown): entry is FixEntry {
  return !!entry && typeof entry === 'object' && 'fix' in entry
}

/** Whether a person can fix this step now: an unhandled failure or an interrupted step of a run that can go on. */
export function canFix(run: RunDetail, step: RunStep): boolean {
  const stepFixable = (step.status === 'failed' && step.ports.length === 0) || step.status === 'interrupted'
  return stepFixable && ['failed', 'running'].includes(run.status) && step.iteration === 0 && !step.compensates
}

const pretty = (value: unknown) => JSON.stringify(value ?? null, null, 2)

export function FixStep({ run, step, nodeType, onChanged }: { run: RunDetail; step: RunStep; nodeType?: string; onChanged: () => void }) {
  const types = useNodeTypes()
  const info = types.data?.find((t) => t.type === nodeType)
  const [open, setOpen] = useState(false)
  const [mode, setMode] = useState<'input' | 'output'>(step.status === 'interrupted' ? 'output' : 'input')
  const [text, setText] = useState(() => pretty(step.input ?? {}))
  const [outputText, setOutputText] = useState('{}')
  const [port, setPort] = useState('')
  const [comment, setComment] = useState('')
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<{ detail: string; problems: Problem[] } | null>(null)

  const ports = info ? info.output_ports : ['out']
  const needsPort = mode === 'output' && !ports.includes('out')
  const current = mode === 'input' ? text : outputText
  let parsed: unknown = undefined
  let parseError: string | null = null
  try {
    parsed = JSON.parse(current)
    if (mode === 'input' && (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed))) parseError = 'The input is a JSON object: the step’s parameters.'
  } catch (err) {
    parseError = `Not JSON yet: ${(err as Error).message}`
  }

  if (!open) {
    return (
      <div className="panel-section" data-testid="fix-offer">
        <p className="small" style={{ margin: '0 0 8px' }}>
          {step.status === 'interrupted'
            ? 'Its call may have gone out. Enter its output if it took effect, or edit its input to run it again.'
            : 'Correct what it was given and go on from here: every finished step keeps its output.'}
        </p>
        <button type="button" onClick={() => setOpen(true)}>Fix and resume</button>
      </div>
    )
  }

  const submit = async () => {
    if (parseError) return
    setBusy(true)
    setError(null)
    // An input is a JSON object (checked above, parseError); an output any JSON value.
    const body: Schemas['FixRequest'] =
      mode === 'input' ? { comment, input: parsed as Record<string, unknown> } : { comment, output: parsed, ...(port ? { port } : {}) }
    try {
      await call(client.POST('/api/runs/{run_id}/steps/{node_id}/fix/', { params: { path: { run_id: run.id, node_id: step.node_id } }, body }))
      setOpen(false)
      onChanged()
    } catch (err) {
      setError(err instanceof ApiError ? { detail: err.message, problems: err.problems } : { detail: String(err), problems: [] })
    } finally {
      setBusy(false)
    }
  }

  return (
    <section className="panel-section" aria-label="Fix and resume" data-testid="fix-editor">
      <h3>Fix and resume</h3>
      <div className="tabs" role="radiogroup" aria-label="What to fix" style={{ padding: 0, marginBottom: 8 }}>
        <button type="button" role="radio" aria-checked={mode === 'input'} className={mode === 'input' ? 'tab active' : 'tab'} onClick={() => setMode('input')}>
          Edit its input
        </button>
        <button type="button" role="radio" aria-checked={mode === 'output'} className={mode === 'output' ? 'tab active' : 'tab'} onClick={() => setMode('output')}>
          Enter its output
        </button>
      </div>
      <p className="muted small" style={{ margin: '0 0 6px' }}>
        {mode === 'input'
          ? 'The step runs again with this input, as given: it is not rendered again from the workflow.'
          : 'The step counts as succeeded with this output and is not called again.'}
      </p>
      <label>
        {mode === 'input' ? 'Input (JSON)' : 'Output (JSON)'}
        <textarea
          aria-label={mode === 'input' ? 'New input' : 'Output'}
          data-testid="fix-json"
          spellCheck={false}
          rows={Math.min(Math.max(current.split('\n').length + 1, 5), 16)}
          style={{ fontFamily: 'ui-monospace, SFMono-Regular, Menlo, monospace', fontSize: 12 }}
          value={current}
          onChange={(e) => (mode === 'input' ? setText(e.target.value) : setOutputText(e.target.value))}
        />
      </label>
      {parseError && <p className="error-inline small" role="status">{parseError}</p>}
      {mode === 'output' && (needsPort || info?.dynamic_ports) && (
        <label>
          Port it takes
          <select aria-label="Port" value={port} onChange={(e) => setPort(e.target.value)}>
            <option value="">{needsPort ? 'Choose a port' : 'out'}</option>
            {ports.filter((p) => p !== 'out').map((p) => <option key={p} value={p}>{p}</option>)}
          </select>
        </label>
      )}
      <label style={{ marginTop: 8, display: 'block' }}>
        Why (kept in the step’s history)
        <input aria-label="Why" placeholder="Optional" value={comment} onChange={(e) => setComment(e.target.value)} />
      </label>
      {error && (
        <div className="error" role="alert" style={{ margin: '8px 0' }}>
          {error.detail}
          {error.problems.length > 0 && (
            <ul style={{ margin: '4px 0 0', paddingLeft: 18 }}>
              {error.problems.map((p, i) => <li key={i}>{p.field ? <code>{p.field.replace(/^\/(input|output)\/?/, '') || p.field}</code> : null} {p.message}</li>)}
            </ul>
          )}
        </div>
      )}
      <div className="row" style={{ justifyContent: 'flex-start', marginTop: 10 }}>
        <button type="button" disabled={busy || !!parseError || (needsPort && !port)} onClick={() => void submit()}>
          {busy ? 'Resuming…' : mode === 'input' ? 'Run again with this input' : 'Resume with this output'}
        </button>
        <button type="button" className="secondary" onClick={() => { setOpen(false); setError(null) }}>Cancel</button>
      </div>
    </section>
  )
}

/** One fix in the step's history (a row of the inspector's attempts table, across it): who
 * changed what and when, and, opened, the old and the new value. */
export function FixEntryRow({ entry }: { entry: FixEntry }) {
  const what = entry.fix === 'input' ? 'Input changed' : 'Output entered'
  return (
    <tr data-testid="fix-entry" className="fix-entry">
      <td colSpan={4} style={{ padding: '6px 0', borderTop: '1px dashed var(--line)', borderBottom: '1px dashed var(--line)' }}>
        <details>
          <summary style={{ cursor: 'pointer' }}>
            <span style={{ color: '#4338ca', fontWeight: 700 }}>✎</span> <strong>{what}</strong> by {entry.by}
            <span className="muted"> · {new Date(entry.at).toLocaleTimeString()} · after attempt #{entry.after_attempt}</span>
            {entry.comment && <div className="small" style={{ marginTop: 2 }}>“{entry.comment}”</div>}
          </summary>
          <div className="muted small" style={{ marginTop: 6 }}>Before</div>
          <pre className="json-view" data-testid="fix-old" style={{ whiteSpace: 'pre-wrap', overflowWrap: 'anywhere' }}>{pretty(entry.old)}</pre>
          <div className="muted small" style={{ marginTop: 6 }}>After</div>
          <pre className="json-view" data-testid="fix-new" style={{ whiteSpace: 'pre-wrap', overflowWrap: 'anywhere' }}>{pretty(entry.new)}</pre>
        </details>
      </td>
    </tr>
  )
}

/** A fix on the timeline: a mark at its time on the step's track (Timeline.tsx). */
export function FixMark({ entry, left }: { entry: FixEntry; left: string }) {
  const what = entry.fix === 'input' ? 'input changed' : 'output entered'
  return (
    <span
      className="gantt-fix"
      data-testid="gantt-fix"
      title={`${what} by ${entry.by} at ${new Date(entry.at).toLocaleTimeString()}${entry.comment ? ` — ${entry.comment}` : ''}`}
      style={{ position: 'absolute', left, top: -2, transform: 'translateX(-50%)', fontSize: 13, lineHeight: '16px', color: '#4338ca', fontWeight: 700 }}
    >
      ✎
    </span>
  )
}
