// The signed-in user's API tokens: list, create (the answer carries the key, once), revoke.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { call, client, type Schemas } from './client'

export type ApiToken = Schemas['ApiToken']
export type NewApiToken = Schemas['NewApiToken']
export type TokenRequest = Schemas['ApiTokenCreateRequest']

const KEY = ['tokens']

export const useTokens = () => useQuery({ queryKey: KEY, queryFn: () => call(client.GET('/api/tokens/')) })

export function useCreateToken() {
  const queryClient = useQueryClient()
  return useMutation({
    mutationFn: (body: TokenRequest) => call(client.POST('/api/tokens/', { body })),
    onSuccess: () => void queryClient.invalidateQueries({ queryKey: KEY }),
  })
}

export function useRevokeToken() {
  const queryClient = useQueryClient()
  return useMutation({
    mutationFn: (id: number) => call(client.DELETE('/api/tokens/{token_id}/', { params: { path: { token_id: id } } })),
    onSuccess: () => void queryClient.invalidateQueries({ queryKey: KEY }),
  })
}
