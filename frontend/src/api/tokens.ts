// The signed-in user's API tokens: list, create (the answer carries the key, once), revoke.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { api } from './client'
import type { components } from './generated/schema'

export type ApiToken = components['schemas']['ApiToken']
export type NewApiToken = components['schemas']['NewApiToken']
export type TokenRequest = components['schemas']['ApiTokenCreateRequest']

const KEY = ['tokens']

export const useTokens = () => useQuery({ queryKey: KEY, queryFn: () => api<ApiToken[]>('/api/tokens/') })

export function useCreateToken() {
  const queryClient = useQueryClient()
  return useMutation({
    mutationFn: (body: TokenRequest) => api<NewApiToken>('/api/tokens/', { method: 'POST', body: JSON.stringify(body) }),
    onSuccess: () => void queryClient.invalidateQueries({ queryKey: KEY }),
  })
}

export function useRevokeToken() {
  const queryClient = useQueryClient()
  return useMutation({
    mutationFn: (id: number) => api<void>(`/api/tokens/${id}/`, { method: 'DELETE' }),
    onSuccess: () => void queryClient.invalidateQueries({ queryKey: KEY }),
  })
}
