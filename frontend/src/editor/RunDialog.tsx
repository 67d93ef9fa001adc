// Start a run of the workflow: the trigger's payload as JSON (its sample input to begin
// with); unsaved changes are saved first. The canvas then follows the run live.
import { useState } from 'react'
import { ApiError } from '../api/client'
import { useStartRun } from '../api/queries'
import { useGraph, useGraphStore } from '../stores/graph'
import { useRunStore } from '../stores/run'
import { Dialog } from './Dialog'

/** The trigger's sample input, as the run dialog starts with it. */
function sampleInput(config: Record<string, unknown> | undefined): string {
  const sample = config?.sample_input
  return JSON.stringify(sample && typeof sample === 'object' ? sample : {}, null, 2)
}

export function RunDialog({ workflowId, save, onClose }: { workflowId: number; save: () => Promise<boolean>; onClose: () => void }) {
  const store = useGraphStore()
  const runs = useRunStore()
  const dirty = useGraph((s) => s.isDirty())
  const [input, setInput] = useState(() => sampleInput(store.getState().doc.nodes.find((n) => n.type.startsWith('trigger.'))?.config))
  const [error, setError] = useState<string | null>(null)
  const start = useStartRun(workflowId)

  const onStart = async () => {
    let payload: unknown
    try {
      payload = JSON.parse(input)
    } catch (err) {
      setError(`The input is not valid JSON: ${(err as Error).message}`)
      return
    }
    setError(null)
    if (store.getState().isDirty() && !(await save())) return
    // mutateAsync, not mutate's callbacks: those are dropped when the dialog is rendered
    // anew while the request is out (seen: the run started, the dialog stayed open).
    try {
      const run = await start.mutateAsync(payload)
      onClose()
      runs.getState().follow(run.id)
    } catch (err) {
      setError(err instanceof ApiError ? [err.message, ...err.problems.map((p) => `${p.node_id ?? ''} ${p.message}`)].join('\n') : String(err))
    }
  }

  return (
    <Dialog title="Run this workflow" onClose={onClose}>
      <label>
        Input (JSON, the trigger's payload)
        <textarea className="json" rows={8} value={input} onChange={(e) => setInput(e.target.value)} aria-label="Run input" />
      </label>
      {error && <pre className="error">{error}</pre>}
      <div className="row">
        <span className="muted">{dirty ? 'Your changes are saved first.' : ''}</span>
        <button type="button" disabled={start.isPending} onClick={() => void onStart()}>Start run</button>
      </div>
    </Dialog>
  )
}
