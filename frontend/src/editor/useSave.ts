// Saving the draft as a new version (a mutation), and the guard that holds every way out of
// the editor while there is unsaved work (../router.ts blockNavigation; LeaveDialog asks).
import { useCallback, useEffect, useState } from 'react'
import { ApiError } from '../api/client'
import { useSaveWorkflow } from '../api/queries'
import { blockNavigation } from '../router'
import { useGraphStore } from '../stores/graph'
import type { Tone } from './Toasts'
import type { Validation } from './useValidation'

export interface Save {
  save: () => Promise<boolean>
  saving: boolean
}

export function useSave({ workflowId, validation, onMessage }: { workflowId: number; validation: Validation; onMessage: (message: string | null, tone?: Tone) => void }): Save {
  const store = useGraphStore()
  const mutation = useSaveWorkflow(workflowId)
  const { mutateAsync } = mutation
  const { setProblems, setWarnings } = validation

  const save = useCallback(async (): Promise<boolean> => {
    onMessage(null)
    const { doc, version } = store.getState()
    try {
      const saved = await mutateAsync({ graph: doc, base_version: version ?? 0 })
      // What was sent is what is saved, even if the document moved on while it was sent.
      store.getState().markSaved(saved.latest_version, doc)
      setProblems(saved.problems)
      setWarnings(saved.warnings ?? [])
      if (saved.problems.length) onMessage(`Saved as version ${saved.latest_version}, with problems to fix before it can run.`, 'warn')
      else onMessage(`Saved as version ${saved.latest_version}.`, 'success')
      return true
    } catch (err) {
      onMessage(err instanceof ApiError ? err.message : String(err), 'error')
      return false
    }
  }, [store, mutateAsync, setProblems, setWarnings, onMessage])

  return { save, saving: mutation.isPending }
}

export interface LeaveGuard {
  /** A way out is held: the LeaveDialog is shown. */
  asking: boolean
  /** Leave after all (the held navigation goes on). */
  leave: () => void
  /** Stay: nothing moves (a held Back was already put back by the router). */
  stay: () => void
}

/** Hold the links, Back/Forward and reload/close while the draft has unsaved changes. */
export function useLeaveGuard(): LeaveGuard {
  const store = useGraphStore()
  const [held, setHeld] = useState<{ proceed: () => void } | null>(null)
  useEffect(
    () => blockNavigation({ when: () => store.getState().isDirty(), onBlock: (proceed) => setHeld({ proceed }) }),
    [store],
  )
  const leave = useCallback(() => {
    setHeld(null)
    held?.proceed()
  }, [held])
  const stay = useCallback(() => setHeld(null), [])
  return { asking: held !== null, leave, stay }
}
