// Server state through TanStack Query: one place for the endpoints the editor, the run view
// and the lists read (useQuery) and write (useMutation), each typed by the schema's paths.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { useEffect, useMemo, useState } from 'react'
import type { GraphDoc, NodeTypeInfo } from '../editor/types'
import { DetailFollower } from '../realtime/detail'
import { asRunDetail, type RunDetail } from '../runs/types'
import { useRunStore } from '../stores/run'
import { call, client, type Schemas } from './client'

// The schema types a graph as an open object: its shape is the graph format
// (docs/architecture.md#graph-format), which the server validates on every write.
export type WorkflowDetail = Omit<Schemas['WorkflowDetail'], 'graph'> & { graph: GraphDoc }
export type VersionSummary = Schemas['VersionSummary']
export type VersionDetail = Omit<Schemas['VersionDetail'], 'graph'> & { graph: GraphDoc }
export type WorkflowSummary = Schemas['WorkflowSummary']

const asGraph = (graph: Record<string, unknown>): GraphDoc => graph as unknown as GraphDoc
export const graphBody = (doc: GraphDoc): Record<string, unknown> => ({ ...doc })
const withGraph = <T extends { graph: Record<string, unknown> }>(w: T): Omit<T, 'graph'> & { graph: GraphDoc } => ({ ...w, graph: asGraph(w.graph) })

export const useNodeTypes = () =>
  useQuery({
    queryKey: ['node-types'],
    // dynamic_ports is an open object in the schema: {from, key} (catalog/nodes).
    queryFn: async () => (await call(client.GET('/api/node-types/'))) as NodeTypeInfo[],
    staleTime: Infinity,
  })

export const useWorkflow = (id: number) =>
  useQuery({
    queryKey: ['workflow', id],
    queryFn: async (): Promise<WorkflowDetail> => withGraph(await call(client.GET('/api/workflows/{id}/', { params: { path: { id: String(id) } } }))),
  })

export const useVersions = (id: number, enabled: boolean) =>
  useQuery({
    queryKey: ['versions', id],
    queryFn: () => call(client.GET('/api/workflows/{workflow_id}/versions/', { params: { path: { workflow_id: id }, query: { page_size: 100 } } })),
    enabled,
    select: (data) => data.results,
  })

export const useVersionGraph = (workflowId: number | undefined, number: number | undefined) =>
  useQuery({
    queryKey: ['version', workflowId, number],
    queryFn: async (): Promise<VersionDetail> =>
      withGraph(await call(client.GET('/api/workflows/{workflow_id}/versions/{number}/', { params: { path: { workflow_id: workflowId!, number: number! } } }))),
    enabled: workflowId !== undefined && number !== undefined,
    staleTime: Infinity, // versions never change
  })

/** One run with its steps, kept current by the run store's stream (the screen follows the
 * run): its events are applied to the cached detail in place (realtime/detail.ts); it is
 * fetched again only to heal a gap, and once when the run ends. `_seq` is ignored (the
 * editor still passes the live seq; the detail no longer needs it). */
export function useRunDetail(runId: number | null, _seq?: number) {
  const queryClient = useQueryClient()
  const store = useRunStore()
  const queryKey = useMemo(() => ['run', runId], [runId])
  const query = useQuery({
    queryKey,
    queryFn: async (): Promise<RunDetail> => asRunDetail(await call(client.GET('/api/runs/{run_id}/', { params: { path: { run_id: runId! } } }))),
    enabled: runId !== null,
    staleTime: Infinity, // the stream keeps it current
    refetchOnWindowFocus: false,
  })
  const [follower, setFollower] = useState<DetailFollower | null>(null)
  useEffect(() => {
    if (runId === null) return
    const follower = new DetailFollower({
      get: () => queryClient.getQueryData<RunDetail>(queryKey),
      set: (detail) => queryClient.setQueryData<RunDetail>(queryKey, detail),
      refetch: () => void queryClient.refetchQueries({ queryKey, exact: true }),
      fetching: () => queryClient.isFetching({ queryKey, exact: true }) > 0,
    })
    setFollower(follower)
    const stop = store.getState().listen((messages) => follower.take(messages.filter((m) => m.run_id === runId)))
    return () => {
      stop()
      setFollower(null)
    }
  }, [runId, queryKey, store, queryClient])
  // A fetch that lands: apply the events that came meanwhile.
  useEffect(() => follower?.flush(), [follower, query.dataUpdatedAt, query.isFetching])
  return query
}

export function useSaveWorkflow(workflowId: number) {
  const queryClient = useQueryClient()
  return useMutation({
    mutationFn: async (body: { graph: GraphDoc; base_version: number }): Promise<WorkflowDetail> =>
      withGraph(await call(client.PATCH('/api/workflows/{id}/', { params: { path: { id: String(workflowId) } }, body: { graph: graphBody(body.graph), base_version: body.base_version, message: '' } }))),
    onSuccess: () => void queryClient.invalidateQueries({ queryKey: ['versions', workflowId] }),
  })
}

export function useRestoreVersion(workflowId: number) {
  const queryClient = useQueryClient()
  return useMutation({
    mutationFn: async (number: number): Promise<WorkflowDetail> =>
      withGraph(await call(client.POST('/api/workflows/{workflow_id}/versions/{number}/restore/', { params: { path: { workflow_id: workflowId, number } } }))),
    onSuccess: () => void queryClient.invalidateQueries({ queryKey: ['versions', workflowId] }),
  })
}

export function useStartRun(workflowId: number) {
  return useMutation({
    mutationFn: (input: unknown) => call(client.POST('/api/workflows/{workflow_id}/runs/', { params: { path: { workflow_id: workflowId } }, body: { input } })),
  })
}

/** Validate a draft: its problems (a 422 answers them as an ApiError) and warnings. */
export const validateDraft = (workflowId: number, doc: GraphDoc, signal?: AbortSignal) =>
  call(client.POST('/api/workflows/{id}/validate/', { params: { path: { id: String(workflowId) } }, body: { graph: graphBody(doc) }, signal }))
