// Workflow settings: what belongs to the workflow rather than to a version of its graph
// (saving them makes no version). For now its concurrency limit and what happens to a run
// started while the limit is reached.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { useId, useState } from 'react'
import { ApiError, call, client, type Problem } from '../api/client'
import type { components } from '../api/generated/schema'

type Policy = components['schemas']['ConcurrencyPolicyEnum']
type Settings = Pick<components['schemas']['WorkflowDetail'], 'concurrency_limit' | 'concurrency_policy'>

const POLICIES: { value: Policy; label: string; help: string }[] = [
  { value: 'queue', label: 'Queue the new run', help: 'It waits in a queue and starts as soon as a running one ends, in the order the runs were started.' },
  { value: 'cancel_new', label: 'Cancel the new run', help: 'It is created and cancelled at once; the reason is on the run.' },
  { value: 'fail_new', label: 'Fail the new run', help: 'It is created and fails at once with an error saying the limit was reached.' },
]

export function WorkflowSettings({ workflowId }: { workflowId: number }) {
  // Read apart from the editor's workflow query: refreshing that one reloads the canvas.
  const current = useQuery({
    queryKey: ['workflow-settings', workflowId],
    queryFn: async (): Promise<Settings> => {
      const w = await call(client.GET('/api/workflows/{id}/', { params: { path: { id: String(workflowId) } } }))
      return { concurrency_limit: w.concurrency_limit, concurrency_policy: w.concurrency_policy }
    },
  })
  if (current.isError) return <p className="error" role="alert">Could not read the settings: {(current.error as Error).message}</p>
  if (!current.data) return <p className="muted">Loading…</p>
  return <SettingsForm workflowId={workflowId} initial={current.data} />
}

function SettingsForm({ workflowId, initial }: { workflowId: number; initial: Settings }) {
  const queryClient = useQueryClient()
  const [limit, setLimit] = useState(initial.concurrency_limit == null ? '' : String(initial.concurrency_limit))
  const [policy, setPolicy] = useState<Policy>(initial.concurrency_policy ?? 'queue')
  const [saved, setSaved] = useState(false)
  const ids = { limit: useId(), limitHelp: useId(), policy: useId(), policyHelp: useId() }

  const save = useMutation({
    mutationFn: (body: Settings) => call(client.PATCH('/api/workflows/{id}/', { params: { path: { id: String(workflowId) } }, body })),
    onSuccess: (result) => {
      queryClient.setQueryData(['workflow-settings', workflowId], { concurrency_limit: result.concurrency_limit, concurrency_policy: result.concurrency_policy })
      setSaved(true)
    },
  })

  const trimmed = limit.trim()
  const localError = trimmed !== '' && !/^[1-9][0-9]*$/.test(trimmed) ? 'Enter a whole number of 1 or more, or leave it empty for no limit.' : null
  const problems: Problem[] = save.error instanceof ApiError ? save.error.problems : []
  const fieldError = (field: string) => problems.find((p) => p.field === `/${field}`)?.message
  const limitError = localError ?? fieldError('concurrency_limit')
  const chosen = POLICIES.find((p) => p.value === policy) ?? POLICIES[0]

  const submit = (e: React.FormEvent) => {
    e.preventDefault()
    if (localError) return
    setSaved(false)
    save.mutate({ concurrency_limit: trimmed === '' ? null : Number(trimmed), concurrency_policy: policy })
  }

  return (
    <form className="settings" onSubmit={submit} aria-label="Workflow settings">
      <h3>Concurrency</h3>
      <label htmlFor={ids.limit}>Concurrency limit</label>
      <input
        id={ids.limit}
        type="text"
        inputMode="numeric"
        placeholder="No limit"
        value={limit}
        onChange={(e) => { setLimit(e.target.value); setSaved(false) }}
        aria-describedby={ids.limitHelp}
        aria-invalid={!!limitError}
        className="settings-number"
      />
      <p id={ids.limitHelp} className={limitError ? 'field-help error-text' : 'field-help'}>
        {limitError ?? 'At most this many runs of this workflow run at the same time. Leave empty for no limit. Child runs (started by a map or a workflow.call step) are not held by it.'}
      </p>
      <label htmlFor={ids.policy}>When the limit is reached</label>
      <select
        id={ids.policy}
        value={policy}
        onChange={(e) => { setPolicy(e.target.value as Policy); setSaved(false) }}
        aria-describedby={ids.policyHelp}
        disabled={trimmed === ''}
      >
        {POLICIES.map((p) => <option key={p.value} value={p.value}>{p.label}</option>)}
      </select>
      <p id={ids.policyHelp} className="field-help">
        {trimmed === '' ? 'Applies once a limit is set.' : chosen.help}
        {fieldError('concurrency_policy') && <span className="error-text"> {fieldError('concurrency_policy')}</span>}
      </p>
      {save.error && !problems.length && <p className="error" role="alert">{(save.error as Error).message}</p>}
      <div className="row settings-actions">
        <span className="muted small" role="status">{saved ? 'Saved. No new version was made.' : 'Kept with the workflow, not in a version.'}</span>
        <button type="submit" disabled={save.isPending || !!localError}>{save.isPending ? 'Saving…' : 'Save settings'}</button>
      </div>
    </form>
  )
}
