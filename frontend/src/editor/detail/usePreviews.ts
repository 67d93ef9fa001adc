// The server's preview of each expression of a field (POST /api/workflows/{id}/preview/):
// evaluated as a run evaluates it, over what the node saw in a run, so the editor never
// shows a value a run would not give.
import { useEffect, useState } from 'react'
import { ApiError, call, client } from '../../api/client'
import type { components } from '../../api/generated/schema'

export type PreviewResult = components['schemas']['PreviewResult']
export type PreviewState = { kind: 'pending' } | { kind: 'done'; result: PreviewResult } | { kind: 'refused'; message: string }

/** What a preview is made against: the node, the run (or none) and the saved draft. */
export interface PreviewTarget {
  workflowId: number
  nodeId: string
  runId: number | null
  runSeq: number | null
  savedVersion: number | null
}

const DELAY_MS = 300

async function ask(target: PreviewTarget, source: string, signal: AbortSignal): Promise<PreviewState> {
  try {
    const result = await call(
      client.POST('/api/workflows/{workflow_id}/preview/', {
        params: { path: { workflow_id: target.workflowId } },
        body: { expression: source, node_id: target.nodeId, run_id: target.runId },
        signal,
      }),
    )
    return { kind: 'done', result }
  } catch (err) {
    return { kind: 'refused', message: err instanceof ApiError ? (err.problems[0]?.message ?? err.message) : String(err) }
  }
}

/** One state per source, asked again (debounced) when a source or the target changes. */
export function usePreviews(target: PreviewTarget, sources: string[]): PreviewState[] {
  const [states, setStates] = useState<PreviewState[]>([])
  const key = JSON.stringify(sources)
  const { workflowId, nodeId, runId, runSeq, savedVersion } = target
  useEffect(() => {
    const controller = new AbortController()
    const list = JSON.parse(key) as string[]
    setStates(list.map(() => ({ kind: 'pending' })))
    const timer = setTimeout(async () => {
      const answers = await Promise.all(list.map((source) => ask({ workflowId, nodeId, runId, runSeq, savedVersion }, source, controller.signal)))
      if (!controller.signal.aborted) setStates(answers)
    }, DELAY_MS)
    return () => {
      clearTimeout(timer)
      controller.abort()
    }
  }, [key, workflowId, nodeId, runId, runSeq, savedVersion])
  return states
}
