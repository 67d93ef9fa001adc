// The step inspector: input, output and error as collapsible JSON with copy, the attempts
// with their timings and errors and the fixes a person made between them, the idempotency key,
// the step's log (its events as readable lines: StepLog.tsx), where a reused step's output
// came from, the approval actions of a waiting approval step, and "Fix and
// resume" on a failed or interrupted one (FixStep.tsx).
import { useQuery } from '@tanstack/react-query'
import { useState } from 'react'
import { ApiError, call, client } from '../api/client'
import { formatDuration } from '../format'
import { navigate } from '../router'
import { canFix, FixEntryRow, FixStep, isFix } from './FixStep'
import { StepLog } from './StepLog'
import type { RunDetail, RunStep } from './types'

function JsonBlock({ title, value, open = true, tone }: { title: string; value: unknown; open?: boolean; tone?: 'error' }) {
  const text = JSON.stringify(value, null, 2) ?? 'null'
  const [copied, setCopied] = useState(false)
  return (
    <div className="json-block-wrap">
      <details open={open} className="json-block">
        <summary>{title}</summary>
        <pre className={`json-view${tone === 'error' ? ' error-view' : ''}`} data-testid={`step-${title.toLowerCase()}`} tabIndex={0} role="region" aria-label={title}>{text}</pre>
      </details>
      <button
        type="button"
        className="link small json-copy"
        aria-label={`Copy ${title.toLowerCase()}`}
        onClick={() => void navigator.clipboard?.writeText(text).then(() => setCopied(true))}
      >
        {copied ? 'copied' : 'copy'}
      </button>
    </div>
  )
}

interface Props {
  run: RunDetail
  step: RunStep
  name?: string
  nodeType?: string
  onChanged: () => void
}

export function Inspector({ run, step, name, nodeType, onChanged }: Props) {
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
  const reusedFrom = step.reused_from_run
  return (
    <aside className="panel inspector" aria-label="Step inspector">
      <h2 className="inspector-name" title={step.node_id}>{name || step.node_id}</h2>
      {name && name !== step.node_id && <p className="muted small inspector-id">id <code>{step.node_id}</code></p>}
      {reusedFrom != null ? (
        <p data-testid="inspector-reused">
          <span className="badge badge-reused">reused from run #{reusedFrom}</span>{' '}
          <span className="muted small">
            Its output was copied from{' '}
            <a href={`/runs/${reusedFrom}`} onClick={(e) => { e.preventDefault(); navigate(`/runs/${reusedFrom}`) }}>run #{reusedFrom}</a>; it did not run in this run.
          </span>
        </p>
      ) : (
        <p>
          <span className={`badge badge-${step.status}`}>{step.status}</span> <span className="muted">attempt {step.attempt} · {formatDuration(step.duration_ms)}</span>
        </p>
      )}
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
        {step.attempts.length === 0 ? <p className="muted">{reusedFrom != null ? `None in this run (see run #${reusedFrom}).` : 'None yet.'}</p> : (
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
        <StepLog events={events} />
      </div>
    </aside>
  )
}
