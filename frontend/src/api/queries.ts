// Server state through TanStack Query: one place for the endpoints the UI reads.
import { useQuery } from '@tanstack/react-query'
import { api, type Problem } from './client'
import type { GraphDoc, NodeTypeInfo } from '../editor/types'

export interface WorkflowDetail {
  id: number
  name: string
  description: string
  active: boolean
  active_version: number | null
  latest_version: number | null
  created_at: string
  updated_at: string
  graph: GraphDoc
  problems: Problem[]
  warnings?: Problem[]
}

export interface VersionSummary {
  number: number
  message: string
  created_at: string
  created_by?: string | null
}

export const useNodeTypes = () =>
  useQuery({ queryKey: ['node-types'], queryFn: () => api<NodeTypeInfo[]>('/api/node-types/'), staleTime: Infinity })

export const useWorkflow = (id: number) =>
  useQuery({ queryKey: ['workflow', id], queryFn: () => api<WorkflowDetail>(`/api/workflows/${id}/`) })

export const useVersions = (id: number, enabled: boolean) =>
  useQuery({
    queryKey: ['versions', id],
    queryFn: () => api<{ results: VersionSummary[] } | VersionSummary[]>(`/api/workflows/${id}/versions/?page_size=100`),
    enabled,
    select: (data) => (Array.isArray(data) ? data : data.results),
  })
