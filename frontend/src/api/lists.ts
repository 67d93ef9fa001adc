// The lists (workflows, runs, the audit log) and the workflow list's actions, typed by the
// schema's paths: a filter's values are the schema's enums.
import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import type { paths } from './generated/schema'
import { call, client } from './client'

type Query<P extends keyof paths> = paths[P] extends { get: { parameters: { query?: infer Q } } } ? NonNullable<Q> : never
export type RunFilter = Query<'/api/runs/'>
export type AuditFilter = Query<'/api/audit/'>

const WORKFLOWS = ['workflows']

export const useWorkflowList = (search: string) =>
  useQuery({
    queryKey: [...WORKFLOWS, search],
    queryFn: () => call(client.GET('/api/workflows/', { params: { query: { page_size: 200, ordering: '-updated_at', search } } })),
  })

/** Every workflow by name, for a filter's choices. */
export const useWorkflowNames = () =>
  useQuery({
    queryKey: [...WORKFLOWS, 'all'],
    queryFn: () => call(client.GET('/api/workflows/', { params: { query: { page_size: 200, ordering: 'name' } } })),
  })

export const useRunList = (filter: RunFilter, refetchInterval: number) =>
  useQuery({
    queryKey: ['runs', filter],
    queryFn: () => call(client.GET('/api/runs/', { params: { query: filter } })),
    refetchInterval, // new runs and status changes show up without a reload
    placeholderData: keepPreviousData,
  })

export const useAuditList = (filter: AuditFilter) =>
  useQuery({
    queryKey: ['audit', filter],
    queryFn: () => call(client.GET('/api/audit/', { params: { query: filter } })),
    placeholderData: keepPreviousData,
  })

export type WorkflowAction =
  | { verb: 'create'; name: string }
  | { verb: 'import'; body: unknown }
  | { verb: 'rename'; id: number; name: string }
  | { verb: 'duplicate'; id: number }
  | { verb: 'delete'; id: number }

/** The workflow list's writes; the list is re-read after each. Answers the workflow's id. */
export function useWorkflowAction() {
  const queryClient = useQueryClient()
  return useMutation({
    mutationFn: async (action: WorkflowAction): Promise<number | null> => {
      const path = (id: number) => ({ params: { path: { id: String(id) } } })
      switch (action.verb) {
        case 'create':
          return (await call(client.POST('/api/workflows/', { body: { name: action.name, description: '', message: '' } }))).id
        case 'import':
          // An exported file, sent as it is: the server checks its format and answers 400.
          return (await call(client.POST('/api/workflows/import/', { body: action.body as never }))).id
        case 'rename':
          return (await call(client.PATCH('/api/workflows/{id}/', { ...path(action.id), body: { name: action.name, message: '' } }))).id
        case 'duplicate':
          return (await call(client.POST('/api/workflows/{id}/duplicate/', path(action.id)))).id
        case 'delete':
          await call(client.DELETE('/api/workflows/{id}/', path(action.id)))
          return null
      }
    },
    onSettled: () => queryClient.invalidateQueries({ queryKey: WORKFLOWS }),
  })
}

export const exportWorkflow = (id: number) => call(client.GET('/api/workflows/{id}/export/', { params: { path: { id: String(id) } } }))
