// A step's log, read from its events (GET /api/runs/{id}/events/) as lines a person reads:
// the time, a level (info, warn, error), what happened in words, and the event's other
// fields as key = value. The raw event stays one click away in the line's title.
import type { Schemas } from '../api/client'

type Event = Schemas['Event']
export type Level = 'info' | 'warn' | 'error'

export interface LogLine {
  seq: number
  at: string
  level: Level
  message: string
  fields: [string, string][]
}

type Data = Record<string, unknown>

const text = (value: unknown): string => (typeof value === 'string' ? value : JSON.stringify(value))
const errorText = (value: unknown): string => {
  if (value && typeof value === 'object') {
    const e = value as { message?: unknown; code?: unknown }
    return text(e.message ?? e.code ?? value)
  }
  return text(value)
}

/** What happened, in words, and the keys of `data` that says so (the rest are fields). */
function describe(e: Event, d: Data): [Level, string, string[]] {
  const attempt = e.attempt > 0 ? ` (attempt ${e.attempt})` : ''
  switch (e.status) {
    case 'queued':
      if ('reused_from_run' in d) return ['info', `reused the output of run #${text(d.reused_from_run)}`, ['reused_from_run']]
      if (d.retry_from_failure) return ['warn', 'queued again: retry from failure', ['retry_from_failure']]
      if ('fixed' in d) return ['warn', `input fixed by ${text(d.by)}; queued again`, ['fixed', 'by']]
      if (d.retried && typeof d.retried === 'object') return ['warn', `queued again by ${text((d.retried as Data).by)}`, ['retried']]
      return e.attempt > 1 ? ['warn', `queued for a retry${attempt}`, []] : ['info', 'queued', []]
    case 'running':
      return ['info', `started${attempt}`, []]
    case 'succeeded':
      if ('reused_from_run' in d) return ['info', `reused the output of run #${text(d.reused_from_run)}`, ['reused_from_run']]
      if ('decision' in d) return ['info', `decided: ${text(d.decision)}`, ['decision']]
      if ('fixed' in d) return ['warn', `output entered by ${text(d.by)}`, ['fixed', 'by']]
      if (d.marked_done && typeof d.marked_done === 'object') return ['warn', `marked done by ${text((d.marked_done as Data).by)}`, ['marked_done']]
      return ['info', `succeeded${attempt}`, []]
    case 'failed':
      return ['error', 'error' in d ? `failed: ${errorText(d.error)}` : `failed${attempt}`, ['error']]
    case 'waiting':
      return [
        'info',
        `waiting${d.for_person ? ' for a person' : ''}${d.until ? ` until ${new Date(text(d.until)).toLocaleTimeString()}` : ''}`,
        ['until', 'for_person'],
      ]
    case 'interrupted':
      return ['error', 'interrupted: its worker was lost mid-call', []]
    case 'cancelled':
      return ['warn', 'reason' in d ? `cancelled: ${text(d.reason)}` : 'cancelled', ['reason']]
    case 'skipped':
      return ['info', 'skipped: no path led here', []]
    case 'compensated':
      return ['warn', 'by' in d ? `compensated (undone) by ${text(d.by)}` : 'compensated (undone)', ['by']]
    default:
      return ['info', e.status, []]
  }
}

export function logLines(events: Event[]): LogLine[] {
  return events.map((e) => {
    const d: Data = e.data !== null && typeof e.data === 'object' && !Array.isArray(e.data) ? (e.data as Data) : {}
    const [level, message, used] = describe(e, d)
    const fields = Object.entries(d)
      .filter(([k, v]) => !used.includes(k) && v !== null && v !== undefined && v !== false)
      .map(([k, v]): [string, string] => [k, text(v)])
    return { seq: e.seq, at: e.at, level, message, fields }
  })
}

export function StepLog({ events }: { events: Event[] }) {
  const lines = logLines(events)
  if (!lines.length) return <p className="muted small">Nothing logged yet.</p>
  return (
    <ol className="step-log" data-testid="step-log">
      {lines.map((line) => (
        <li key={line.seq} className={`log-line log-${line.level}`} title={`event #${line.seq}`}>
          <time dateTime={line.at} className="log-time">{new Date(line.at).toLocaleTimeString()}</time>
          <span className={`log-level log-level-${line.level}`}>{line.level}</span>
          <span className="log-message">{line.message}</span>
          {line.fields.length > 0 && (
            <span className="log-fields">
              {line.fields.map(([k, v]) => (
                <span key={k} className="log-field"><span className="log-key">{k}</span>=<span className="log-value">{v.length > 120 ? `${v.slice(0, 117)}…` : v}</span></span>
              ))}
            </span>
          )}
        </li>
      ))}
    </ol>
  )
}
