// The run a node's data and previews come from: the one the editor follows, or else the
// workflow's latest run as stored (so after a reload the view still has the last run's
// data and its previews agree with it).
import { useQuery } from '@tanstack/react-query'
import { call, client } from '../../api/client'
import { asRunDetail, type RunDetail } from '../../runs/types'

export interface NodeRun {
  /** The run's id and latest event, for the previews; null when the workflow has no run. */
  run: { id: number; seq: number } | null
  detail: RunDetail | null
  /** Whether the run is the workflow's latest one found on the server (not one followed here). */
  stored: boolean
}

/** `followed` is the run the editor follows (with its latest event), if any. */
export function useNodeRun(workflowId: number, followed: { id: number; seq: number } | null): NodeRun {
  const latest = useQuery({
    queryKey: ['latest-run', workflowId],
    queryFn: async () => {
      const page = await call(client.GET('/api/runs/', { params: { query: { workflow: workflowId, top_level: true, page_size: 1 } } }))
      return page.results[0] ?? null
    },
    enabled: followed === null,
    staleTime: 30_000,
  })
  const id = followed?.id ?? latest.data?.id ?? null
  const detail = useQuery({
    // The editor reads the run it follows under the same key: one request for both.
    queryKey: ['run', id, followed?.seq],
    queryFn: async (): Promise<RunDetail> => asRunDetail(await call(client.GET('/api/runs/{run_id}/', { params: { path: { run_id: id! } } }))),
    enabled: id !== null,
    placeholderData: (previous) => previous,
  })
  const data = detail.data && detail.data.id === id ? detail.data : null
  if (followed) return { run: followed, detail: data, stored: false }
  if (!data) return { run: null, detail: null, stored: false }
  return { run: { id: data.id, seq: data.last_seq }, detail: data, stored: true }
}

/** The output of each node in the run, by node id (a node run more than once: its first iteration). */
export function outputsOf(detail: RunDetail | null): Record<string, unknown> {
  const outputs: Record<string, unknown> = {}
  for (const step of [...(detail?.steps ?? [])].sort((a, b) => b.iteration - a.iteration)) outputs[step.node_id] = step.output
  return outputs
}
