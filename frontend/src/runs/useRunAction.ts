// A person's action on a run (cancel, retry from failure, rerun, rerun from a step), as a
// mutation: the run is re-read after it, and a rerun opens the new run.
import { useMutation, useQueryClient } from '@tanstack/react-query'
import { call, client } from '../api/client'
import { navigate } from '../router'

export type RunAction = { verb: 'cancel' } | { verb: 'retry' } | { verb: 'rerun'; fromNode?: string }

export function useRunAction(runId: number) {
  const queryClient = useQueryClient()
  return useMutation({
    mutationFn: (action: RunAction) => {
      const path = { params: { path: { run_id: runId } } }
      if (action.verb === 'cancel') return call(client.POST('/api/runs/{run_id}/cancel/', path))
      if (action.verb === 'retry') return call(client.POST('/api/runs/{run_id}/retry/', path))
      return call(client.POST('/api/runs/{run_id}/rerun/', { ...path, body: action.fromNode ? { from_node: action.fromNode } : {} }))
    },
    onSuccess: (result) => {
      if (result.id !== runId) navigate(`/runs/${result.id}`)
      else void queryClient.invalidateQueries({ queryKey: ['run', runId] })
    },
  })
}
