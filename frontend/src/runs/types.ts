// The run and step types of the run screens, the run list and the editor's last-run view,
// in one module that every one of them imports (and that imports none of them). They are
// the shapes GET /api/runs/ and GET /api/runs/{id}/ answer with (openapi.yaml).

// A run as the run list shows it (GET /api/runs/).
export interface RunSummary {
  id: number
  workflow: number
  workflow_name: string
  version: number
  status: string
  trigger: string
  parent_run: number | null
  created_at: string
  started_at: string | null
  finished_at: string | null
  duration_ms: number | null
}

// What the canvas shows of one step of a run: its status, data and ports taken.
export interface RunDetailStep {
  node_id: string
  status: string
  attempt: number
  input: unknown
  output: unknown
  error: unknown
  ports: string[]
  duration_ms: number | null
}

export interface Attempt {
  attempt: number
  started_at: string | null
  finished_at: string | null
  error: { code?: string; message?: string } | null
}

// A step as the run view, its timeline and inspector show it.
export interface RunStep extends RunDetailStep {
  iteration: number
  attempts: Attempt[]
  idempotency_key: string
  compensates: string
  not_before: string | null
  started_at: string | null
  finished_at: string | null
}

// One run with its steps (GET /api/runs/{id}/).
export interface RunDetail extends RunSummary {
  rerun_of: number | null
  workflow_changed: boolean
  queued_reason: string | null
  input: unknown
  output: unknown
  error: { message?: string; node_id?: string } | null
  last_seq: number
  steps: RunStep[]
}
