// Server state through TanStack Query: one place for the endpoints the editor, the run view
// and the lists read (useQuery) and write (useMutation), each typed by the schema's paths.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import type { GraphDoc, NodeTypeInfo } from '../editor/types'
import { asRunDetail, type RunDetail } from '../runs/types'
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

/** One run with its steps, re-read when `seq` (the last event seen live) moves. */
export const useRunDetail = (runId: number | null, seq: number | undefined) =>
  useQuery({
    queryKey: ['run', runId, seq],
    queryFn: async (): Promise<RunDetail> => asRunDetail(await call(client.GET('/api/runs/{run_id}/', { params: { path: { run_id: runId! } } }))),
    enabled: runId !== null,
    placeholderData: (previous) => previous,
  })

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
