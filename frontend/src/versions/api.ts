// Saving the draft as a version with a message (the versions dialog's save).
import { useMutation, useQueryClient } from '@tanstack/react-query'
import { call, client } from '../api/client'
import { graphBody, type WorkflowDetail } from '../api/queries'
import type { GraphDoc } from '../editor/types'

export function useSaveVersion(workflowId: number) {
  const queryClient = useQueryClient()
  return useMutation({
    mutationFn: async (body: { graph: GraphDoc; base_version: number; message: string }): Promise<WorkflowDetail> => {
      const saved = await call(
        client.PATCH('/api/workflows/{id}/', {
          params: { path: { id: String(workflowId) } },
          body: { graph: graphBody(body.graph), base_version: body.base_version, message: body.message },
        }),
      )
      return { ...saved, graph: saved.graph as unknown as GraphDoc }
    },
    onSuccess: () => void queryClient.invalidateQueries({ queryKey: ['versions', workflowId] }),
  })
}
