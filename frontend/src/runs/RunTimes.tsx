// The run header's times: its trigger, its first start (a resume keeps it), how often it was
// resumed after a failure (each one, who and how, in the title) and its total duration,
// from the first start to the end.
import { formatDuration } from '../format'
import type { RunDetail } from './types'

/** A moment as the run screens show it: the time for today's, the day and time for older ones. */
export function shortTime(iso: string): string {
  const at = new Date(iso)
  const time = at.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit' })
  return at.toDateString() === new Date().toDateString() ? time : `${at.toLocaleDateString([], { month: 'short', day: 'numeric' })} ${time}`
}

export function resumeText(r: RunDetail['resumes'][number]): string {
  const how = r.how === 'fix' ? `fixed ${r.node_id ?? 'a step'} and resumed` : 'retried from failure'
  return `${how}${r.by ? ` by ${r.by}` : ''} at ${new Date(r.at).toLocaleString()}`
}

export function RunTimes({ run }: { run: RunDetail }) {
  const resumes = run.resumes ?? []
  return (
    <span className="muted small run-times" data-testid="run-times" title={`${run.trigger} · ${run.started_at ? `started ${new Date(run.started_at).toLocaleString()}` : 'not started'} · total ${formatDuration(run.duration_ms)}`}>
      {run.trigger} · {run.started_at ? <>started <time dateTime={run.started_at} title={new Date(run.started_at).toLocaleString()}>{shortTime(run.started_at)}</time></> : 'not started'}
      {resumes.length > 0 && (
        <>
          {' · '}
          <span data-testid="run-resumes" title={resumes.map(resumeText).join('\n')}>resumed {resumes.length}×</span>
        </>
      )}
      {' · '}total <span data-testid="run-duration">{formatDuration(run.duration_ms)}</span>
    </span>
  )
}
