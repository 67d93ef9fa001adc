// The run the canvas follows: a link to it, its live status and its error.
import { navigate } from '../router'
import type { RunDetail } from '../runs/types'
import { useRun } from '../stores/run'

export function RunBar({ detail }: { detail: RunDetail | undefined }) {
  const live = useRun((s) => s.live)
  const runId = useRun((s) => s.runId)
  if (!live) return null
  return (
    <div className="runbar" data-testid="runbar">
      <a href={`/runs/${runId}`} onClick={(e) => { e.preventDefault(); navigate(`/runs/${runId}`) }}>Run #{runId}</a>: <span className={`badge badge-${live.status ?? 'queued'}`} data-testid="run-status">{live.status ?? 'starting'}</span>
      {detail?.error != null && <span className="error-inline">{detail.error.message}</span>}
    </div>
  )
}
