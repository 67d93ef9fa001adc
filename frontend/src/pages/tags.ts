// Setting a workflow's tags (the list's "Tags" action); the lists are read again after.
import { useMutation, useQueryClient } from '@tanstack/react-query'
import { call, client } from '../api/client'

export function useSetTags() {
  const queryClient = useQueryClient()
  return useMutation({
    mutationFn: ({ id, tags }: { id: number; tags: string[] }) =>
      call(client.PATCH('/api/workflows/{id}/', { params: { path: { id: String(id) } }, body: { tags, message: '' } })),
    onSettled: () => queryClient.invalidateQueries({ queryKey: ['workflows'] }),
  })
}
