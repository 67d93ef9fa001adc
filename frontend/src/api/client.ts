// Minimal REST client: session cookie + CSRF header, JSON errors as {detail, problems}.
export type Problem = {
  code: string
  message: string
  node_id: string | null
  edge_id: string | null
  field: string | null
}

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

export async function api<T>(path: string, init: RequestInit = {}): Promise<T> {
  const headers = new Headers(init.headers)
  headers.set('Accept', 'application/json')
  if (init.body && !headers.has('Content-Type')) headers.set('Content-Type', 'application/json')
  if (init.method && init.method !== 'GET') headers.set('X-CSRFToken', csrfToken())
  const response = await fetch(path, { ...init, headers, credentials: 'same-origin' })
  if (response.status === 401 || response.status === 403) {
    if (response.status === 401) window.location.href = '/login/?next=' + encodeURIComponent(window.location.pathname)
  }
  if (response.status === 204) return undefined as T
  const body = await response.json().catch(() => ({ detail: response.statusText, problems: [] }))
  if (!response.ok) throw new ApiError(response.status, body.detail ?? 'Request failed', body.problems ?? [])
  return body as T
}
