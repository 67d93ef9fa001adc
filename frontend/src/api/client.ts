// The REST client: session cookie + CSRF header, JSON errors as {detail, problems}.
// `client` is openapi-fetch typed by the paths generated from openapi.yaml
// (generated/schema.d.ts): a path, a parameter or a field renamed on the server fails the
// build. `call()` unwraps its answer and throws the JSON error body as an ApiError.
import createClient, { type Middleware } from 'openapi-fetch'
import type { components, paths } from './generated/schema'

export type Schemas = components['schemas']
export type Problem = Schemas['Problem']

export class ApiError extends Error {
  status: number
  problems: Problem[]
  constructor(status: number, detail: string, problems: Problem[]) {
    super(detail)
    this.status = status
    this.problems = problems
  }
}

function csrfToken(): string {
  const match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/)
  return match ? decodeURIComponent(match[1]) : ''
}

function toSignIn() {
  window.location.href = '/login/?next=' + encodeURIComponent(window.location.pathname)
}

/** The API's error body ({detail, problems}, openapi.yaml's Error) as an ApiError. */
export function apiError(response: Response, body: unknown): ApiError {
  const error = (body && typeof body === 'object' ? body : {}) as Partial<Schemas['Error']>
  const detail = typeof error.detail === 'string' ? error.detail : response.statusText || 'Request failed'
  return new ApiError(response.status, detail, Array.isArray(error.problems) ? error.problems : [])
}

const session: Middleware = {
  onRequest({ request }) {
    request.headers.set('Accept', 'application/json')
    if (request.method !== 'GET' && request.method !== 'HEAD') request.headers.set('X-CSRFToken', csrfToken())
    return request
  },
  onResponse({ response }) {
    if (response.status === 401) toSignIn()
    return undefined
  },
}

export const client = createClient<paths>({ credentials: 'same-origin' })
client.use(session)

type Answer<D> = { data?: D; error?: unknown; response: Response }

/** The data of a typed call, or its error body thrown as an ApiError. */
export async function call<D>(request: Promise<Answer<D>>): Promise<D> {
  const { data, error, response } = await request
  if (!response.ok) throw apiError(response, error)
  return data as D
}

