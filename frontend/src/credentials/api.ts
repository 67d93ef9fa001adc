// Credentials: the types (each with the JSON Schema of its fields) and the signed-in
// user's credentials. Secret fields are write-only: the server says which are set, never
// their values.
import { useQuery } from '@tanstack/react-query'
import { call, client } from '../api/client'
import type { components } from '../api/generated/schema'

export type Credential = components['schemas']['Credential']
export type CredentialTest = components['schemas']['CredentialTest']
export type CredentialType = Omit<components['schemas']['CredentialType'], 'schema'> & { schema: ObjectSchema }

export interface FieldSchema {
  type?: string
  title?: string
  description?: string
  enum?: string[]
  writeOnly?: boolean
  minimum?: number
  maximum?: number
  maxLength?: number
}
export interface ObjectSchema {
  properties: Record<string, FieldSchema>
  required?: string[]
}

export const CREDENTIALS_KEY = ['credentials'] as const

export const useCredentialTypes = () =>
  useQuery({ queryKey: ['credential-types'], // The schema types a type's `schema` as any JSON: it is the JSON Schema of its fields.
    queryFn: async () => (await call(client.GET('/api/credential-types/'))).map((t): CredentialType => ({ ...t, schema: t.schema as ObjectSchema })), staleTime: Infinity })

/** All the user's credentials (one page of the most the API gives: nobody keeps 200). */
export const useCredentials = () =>
  useQuery({
    queryKey: CREDENTIALS_KEY,
    queryFn: async () => (await call(client.GET('/api/credentials/', { params: { query: { page_size: 200 } } }))).results,
  })

/** The HTTP types take a URL to test against (OAuth2 may, to go beyond fetching a token). */
export const testTakesUrl = (type: string) => type.startsWith('http.') || type.startsWith('oauth2.')
