// The run as a Gantt chart: one row per step in order of start, a bar per attempt (red when
// it failed), the time a step waited (timer, approval or child runs) in amber, retries'
// backoff as gaps, compensations marked, a person's fixes (✎) at their time.
import { FixMark, isFix } from './FixStep'
import type { RunStep } from './types'

const LABEL = 170

function ms(value: string | null | undefined): number | null {
  return value ? new Date(value).getTime() : null
}

export function Timeline({ steps, selected, onSelect }: { steps: RunStep[]; selected: string | null; onSelect: (node: string) => void }) {
  const rows = steps
    .filter((s) => s.started_at || s.attempts.length)
    .sort((a, b) => (ms(a.started_at) ?? 0) - (ms(b.started_at) ?? 0) || a.node_id.localeCompare(b.node_id))
  const starts = rows.flatMap((s) => [ms(s.attempts[0]?.started_at), ms(s.started_at)]).filter((v): v is number => v !== null)
  const ends = rows.flatMap((s) => [ms(s.finished_at), ...s.attempts.map((a) => ms(a.finished_at))]).filter((v): v is number => v !== null)
  if (!rows.length || !starts.length) return <p className="muted">Nothing has run yet.</p>
  const t0 = Math.min(...starts)
  const now = Date.now()
  const t1 = Math.max(...ends, ...rows.filter((s) => !s.finished_at).map(() => now), t0 + 1)
  const span = t1 - t0
  const pct = (t: number) => `${(((t - t0) / span) * 100).toFixed(3)}%`
  const width = (a: number, b: number) => `${(Math.max((b - a) / span, 0.004) * 100).toFixed(3)}%`
  return (
    <div className="gantt" role="table" aria-label="Timeline">
      <div className="gantt-scale" style={{ marginLeft: LABEL }}>
        <span>0</span>
        <span>{span < 2000 ? `${span} ms` : `${(span / 1000).toFixed(1)} s`}</span>
      </div>
      {rows.map((step) => {
        const lastEnd = ms(step.attempts[step.attempts.length - 1]?.finished_at)
        const finished = ms(step.finished_at)
        const waitedUntil = step.status === 'waiting' ? now : finished
        return (
          <div
            key={`${step.node_id}-${step.iteration}`}
            className={`gantt-row${selected === step.node_id ? ' selected' : ''}`}
            data-node={step.node_id}
            role="row"
            onClick={() => onSelect(step.node_id)}
          >
            <div className="gantt-label" style={{ width: LABEL }}>
              {step.compensates ? <span title={`compensates ${step.compensates}`}>↺ </span> : null}
              {step.node_id}
              <span className={`badge badge-${step.status}`}>{step.status}</span>
            </div>
            <div className="gantt-track">
              {step.attempts.map((a, i) => {
                if (isFix(a)) return <FixMark key={`fix-${i}`} entry={a} left={pct(ms(a.at) ?? t0)} />
                const start = ms(a.started_at)
                const end = ms(a.finished_at) ?? now
                if (start === null) return null
                return (
                  <div
                    key={a.attempt}
                    className={`gantt-attempt ${a.error ? 'gantt-failed' : 'gantt-ok'}`}
                    style={{ left: pct(start), width: width(start, end) }}
                    title={`attempt ${a.attempt}: ${end - start} ms${a.error ? ` — ${a.error.message}` : ''}`}
                  />
                )
              })}
              {step.attempts.length === 0 && step.started_at && (
                <div className="gantt-attempt gantt-running" style={{ left: pct(ms(step.started_at)!), width: width(ms(step.started_at)!, finished ?? now) }} />
              )}
              {lastEnd !== null && waitedUntil !== null && waitedUntil - lastEnd > 5 && (
                <div className="gantt-wait" style={{ left: pct(lastEnd), width: width(lastEnd, waitedUntil) }} title={`waited ${waitedUntil - lastEnd} ms`} />
              )}
            </div>
          </div>
        )
      })}
      <div className="gantt-legend muted small">
        <span className="key gantt-ok" /> attempt <span className="key gantt-failed" /> failed attempt <span className="key gantt-wait" /> waiting ↺ compensation ✎ fixed by a person
      </div>
    </div>
  )
}
