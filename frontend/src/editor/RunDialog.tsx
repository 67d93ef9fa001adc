// Start a run of the workflow: the trigger's payload as JSON (its sample input to begin
// with). Unsaved changes are checked first, then saved: a draft with problems is not saved
// (no version that cannot run) and the dialog names the nodes to fix, each a link that
// selects it. The canvas then follows the run live.
import { useState } from 'react'
import { ApiError, type Problem } from '../api/client'
import { useStartRun, validateDraft } from '../api/queries'
import { useGraph, useGraphStore } from '../stores/graph'
import { useRunStore } from '../stores/run'
import { Dialog } from './Dialog'

/** The trigger's sample input, as the run dialog starts with it. */
function sampleInput(config: Record<string, unknown> | undefined): string {
  const sample = config?.sample_input
  return JSON.stringify(sample && typeof sample === 'object' ? sample : {}, null, 2)
}

/** The problems of the draft as the server sees it now ([] if it can run). */
async function draftProblems(workflowId: number, doc: Parameters<typeof validateDraft>[1]): Promise<Problem[]> {
  try {
    await validateDraft(workflowId, doc)
    return []
  } catch (err) {
    if (err instanceof ApiError && err.status === 422) return err.problems.length ? err.problems : [{ code: 'invalid', message: err.message, node_id: null, edge_id: null, field: null }]
    throw err
  }
}

export function RunDialog({ workflowId, save, problems: known, onClose }: {
  workflowId: number
  save: () => Promise<boolean>
  /** The draft's problems as last checked (shown at once; checked again on Start). */
  problems: Problem[]
  onClose: () => void
}) {
  const store = useGraphStore()
  const runs = useRunStore()
  const dirty = useGraph((s) => s.isDirty())
  const [input, setInput] = useState(() => sampleInput(store.getState().doc.nodes.find((n) => n.type.startsWith('trigger.'))?.config))
  const [error, setError] = useState<string | null>(null)
  const [checked, setChecked] = useState<Problem[] | null>(null)
  const [busy, setBusy] = useState(false)
  const start = useStartRun(workflowId)
  const problems = checked ?? known

  const onStart = async () => {
    let payload: unknown
    try {
      payload = JSON.parse(input)
    } catch (err) {
      setError(`The input is not valid JSON: ${(err as Error).message}`)
      return
    }
    setError(null)
    setBusy(true)
    try {
      if (store.getState().isDirty()) {
        const found = await draftProblems(workflowId, store.getState().doc)
        setChecked(found)
        if (found.length) return // nothing saved: fix first
        if (!(await save())) return
      }
      // mutateAsync, not mutate's callbacks: those are dropped when the dialog is rendered
      // anew while the request is out (seen: the run started, the dialog stayed open).
      const run = await start.mutateAsync(payload)
      onClose()
      runs.getState().follow(run.id)
    } catch (err) {
      if (err instanceof ApiError && err.problems.length) {
        setChecked(err.problems)
        setError(err.message)
      } else setError(err instanceof ApiError ? err.message : String(err))
    } finally {
      setBusy(false)
    }
  }

  const show = (nodeId: string) => {
    store.getState().select([nodeId])
    onClose()
  }

  return (
    <Dialog title="Run this workflow" onClose={onClose}>
      {problems.length > 0 && (
        <div className="run-problems" role="alert" data-testid="run-problems">
          <p>
            <strong>This workflow cannot run yet: fix {problems.length === 1 ? 'this problem' : `these ${problems.length} problems`} first.</strong>{' '}
            {dirty ? 'Nothing was saved.' : ''}
          </p>
          <ul>
            {problems.map((p, i) => (
              <li key={i}>
                {p.node_id ? (
                  <button type="button" className="link" onClick={() => show(p.node_id!)} title="Select this node">
                    <code>{p.node_id}</code>
                  </button>
                ) : null}{' '}
                {p.message}
              </li>
            ))}
          </ul>
        </div>
      )}
      <label>
        Input (JSON, the trigger's payload)
        <textarea className="json" rows={8} value={input} onChange={(e) => setInput(e.target.value)} aria-label="Run input" />
      </label>
      {error && <pre className="error">{error}</pre>}
      <div className="row">
        <span className="muted">{dirty ? 'Your changes are checked, then saved, first.' : ''}</span>
        <button type="button" disabled={busy || start.isPending} onClick={() => void onStart()}>Start run</button>
      </div>
    </Dialog>
  )
}
