// The step inspector: input, output and error as collapsible JSON with copy, the attempts
// with their timings and errors and the fixes a person made between them, the idempotency key,
// the step's log (its events), the approval actions of a waiting approval step, and "Fix and
// resume" on a failed or interrupted one (FixStep.tsx).
import { useQuery } from '@tanstack/react-query'
import { useState } from 'react'
import { ApiError, call, client } from '../api/client'
import { formatDuration } from '../format'
import { canFix, FixEntryRow, FixStep, isFix } from './FixStep'
import type { RunDetail, RunStep } from './types'

function JsonBlock({ title, value, open = true, tone }: { title: string; value: unknown; open?: boolean; tone?: 'error' }) {
  const text = JSON.stringify(value, null, 2) ?? 'null'
  const [copied, setCopied] = useState(false)
  return (
    <details open={open} className="json-block">
      <summary>
        {title}
        <button
          type="button"
          className="link small"
          onClick={(e) => {
            e.preventDefault()
            void navigator.clipboard?.writeText(text).then(() => setCopied(true))
          }}
        >
          {copied ? 'copied' : 'copy'}
        </button>
      </summary>
      <pre className={`json-view${tone === 'error' ? ' error-view' : ''}`} data-testid={`step-${title.toLowerCase()}`}>{text}</pre>
    </details>
  )
}

export function Inspector({ run, step, nodeType, onChanged }: { run: RunDetail; step: RunStep; nodeType?: string; onChanged: () => void }) {
  const [comment, setComment] = useState('')
  const [error, setError] = useState<string | null>(null)
  const log = useQuery({
    queryKey: ['events', run.id, run.last_seq],
    queryFn: () => call(client.GET('/api/runs/{run_id}/events/', { params: { path: { run_id: run.id }, query: { limit: 1000 } } })),
    placeholderData: (previous) => previous,
  })
  const decide = async (verb: 'approve' | 'reject') => {
    setError(null)
    try {
      const request = { params: { path: { run_id: run.id, node_id: step.node_id } }, body: { comment } }
      await call(verb === 'approve' ? client.POST('/api/runs/{run_id}/steps/{node_id}/approve/', request) : client.POST('/api/runs/{run_id}/steps/{node_id}/reject/', request))
      onChanged()
    } catch (err) {
      setError(err instanceof ApiError ? err.message : String(err))
    }
  }
  const waitingForPerson = step.status === 'waiting' && nodeType === 'approval'
  const events = (log.data ?? []).filter((e) => e.node_id === step.node_id)
  return (
    <aside className="panel inspector" aria-label="Step inspector">
      <h2>{step.node_id}</h2>
      <p>
        <span className={`badge badge-${step.status}`}>{step.status}</span> <span className="muted">attempt {step.attempt} · {formatDuration(step.duration_ms)}</span>
      </p>
      {step.compensates && <p className="muted">Compensates <code>{step.compensates}</code>.</p>}
      <p className="muted small">Idempotency key <code data-testid="idempotency-key">{step.idempotency_key}</code></p>
      {waitingForPerson && (
        <div className="panel-section approval">
          <h3>Waiting for a decision</h3>
          <input placeholder="Comment (optional)" value={comment} onChange={(e) => setComment(e.target.value)} aria-label="Comment" />
          <div className="row">
            <button type="button" onClick={() => void decide('approve')}>Approve</button>
            <button type="button" className="secondary" onClick={() => void decide('reject')}>Reject</button>
          </div>
          {error && <p className="error">{error}</p>}
        </div>
      )}
      {canFix(run, step) && <FixStep key={`${step.node_id}-${step.attempt}-${step.status}`} run={run} step={step} nodeType={nodeType} onChanged={onChanged} />}
      {step.error != null && <JsonBlock title="Error" value={step.error} tone="error" />}
      <JsonBlock title="Input" value={step.input} />
      <JsonBlock title="Output" value={step.output} />
      <div className="panel-section">
        <h3>Attempts</h3>
        {step.attempts.length === 0 ? <p className="muted">None yet.</p> : (
          <table className="attempts" style={{ tableLayout: 'fixed', width: '100%' }}>
            <colgroup>
              <col style={{ width: 30 }} />
              <col style={{ width: 84 }} />
              <col style={{ width: 56 }} />
              <col />
            </colgroup>
            <tbody>
              {step.attempts.map((a, i) => isFix(a) ? <FixEntryRow key={`fix-${i}`} entry={a} /> : (
                <tr key={a.attempt} data-testid="attempt">
                  <td>#{a.attempt}</td>
                  <td className="muted">{a.started_at ? new Date(a.started_at).toLocaleTimeString() : '—'}</td>
                  <td>{a.started_at && a.finished_at ? formatDuration(new Date(a.finished_at).getTime() - new Date(a.started_at).getTime()) : '…'}</td>
                  <td className={a.error ? 'error-text' : 'ok-text'} style={{ overflowWrap: 'anywhere' }}>{a.error ? a.error.message : 'ok'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </div>
      <div className="panel-section">
        <h3>Log</h3>
        <ol className="log">
          {events.map((e) => (
            <li key={e.seq}>
              <span className="muted">#{e.seq} {new Date(e.at).toLocaleTimeString()}</span> <strong>{e.status}</strong>
              {e.data !== null && typeof e.data === 'object' && Object.keys(e.data).length > 0 && <code className="small"> {JSON.stringify(e.data)}</code>}
            </li>
          ))}
        </ol>
      </div>
    </aside>
  )
}
