// Saving the draft as a new version (a mutation), and the guard that asks before the page
// is left with unsaved work.
import { useCallback, useEffect } from 'react'
import { ApiError } from '../api/client'
import { useSaveWorkflow } from '../api/queries'
import { useGraphStore } from '../stores/graph'
import type { Validation } from './useValidation'

export interface Save {
  save: () => Promise<boolean>
  saving: boolean
}

export function useSave({ workflowId, validation, onMessage }: { workflowId: number; validation: Validation; onMessage: (message: string | null) => void }): Save {
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
      onMessage(saved.problems.length ? `Saved as version ${saved.latest_version}, with problems to fix before it can run.` : `Saved as version ${saved.latest_version}.`)
      return true
    } catch (err) {
      onMessage(err instanceof ApiError ? err.message : String(err))
      return false
    }
  }, [store, mutateAsync, setProblems, setWarnings, onMessage])

  return { save, saving: mutation.isPending }
}

/** Warn before leaving the page with unsaved work. */
export function useLeaveGuard() {
  const store = useGraphStore()
  useEffect(() => {
    const warn = (e: BeforeUnloadEvent) => {
      if (store.getState().isDirty()) e.preventDefault()
    }
    window.addEventListener('beforeunload', warn)
    return () => window.removeEventListener('beforeunload', warn)
  }, [store])
}
