// The draft's problems (what keeps it from running) and warnings, checked by the server as
// the document changes (debounced), and set from a save or an activation's answer.
import { useEffect, useMemo, useState } from 'react'
import { ApiError, type Problem } from '../api/client'
import { validateDraft } from '../api/queries'
import { useGraph } from '../stores/graph'

export interface Validation {
  problems: Problem[]
  warnings: Problem[]
  problemsByNode: Map<string, number>
  setProblems: (problems: Problem[]) => void
  setWarnings: (warnings: Problem[]) => void
}

export function useValidation(workflowId: number, enabled: boolean, delayMs = 400): Validation {
  const doc = useGraph((s) => s.doc)
  const [problems, setProblems] = useState<Problem[]>([])
  const [warnings, setWarnings] = useState<Problem[]>([])

  useEffect(() => {
    if (!enabled) return
    const controller = new AbortController()
    const timer = setTimeout(async () => {
      try {
        const valid = await validateDraft(workflowId, doc, controller.signal)
        setProblems([])
        setWarnings(valid.warnings ?? [])
      } catch (err) {
        if (err instanceof ApiError && err.status === 422) {
          setProblems(err.problems)
          setWarnings([])
        }
      }
    }, delayMs)
    return () => {
      clearTimeout(timer)
      controller.abort()
    }
  }, [doc, enabled, workflowId, delayMs])

  const problemsByNode = useMemo(() => {
    const counts = new Map<string, number>()
    for (const p of problems) if (p.node_id) counts.set(p.node_id, (counts.get(p.node_id) ?? 0) + 1)
    return counts
  }, [problems])

  return { problems, warnings, problemsByNode, setProblems, setWarnings }
}
