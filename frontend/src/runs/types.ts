// The run and step types of the run screens, the run list and the editor's last-run view,
// in one module that every one of them imports (and that imports none of them). They are
// the schema's own (openapi.yaml, generated/schema.d.ts), so a field renamed on the server
// fails the build; only the JSON fields the schema leaves open (an attempt, an error) are
// given their shape here.
import type { Schemas } from '../api/client'

// A run as the run list shows it (GET /api/runs/).
export type RunSummary = Schemas['RunSummary']

export interface Attempt {
  attempt: number
  started_at: string | null
  finished_at: string | null
  error: { code?: string; message?: string } | null
}

// A step as the run view, its timeline and inspector show it.
export type RunStep = Omit<Schemas['Step'], 'attempts'> & { attempts: Attempt[] }

// What the canvas shows of one step of a run: its status, data and ports taken.
export type RunDetailStep = Pick<RunStep, 'node_id' | 'status' | 'attempt' | 'input' | 'output' | 'error' | 'ports' | 'duration_ms'>

export interface RunError {
  message?: string
  node_id?: string
}

// One run with its steps (GET /api/runs/{id}/).
export type RunDetail = Omit<Schemas['RunDetail'], 'steps' | 'error'> & { steps: RunStep[]; error: RunError | null }

/** The run as the API answers it, with the shapes above for its open JSON fields
 * (engine/serializers.py writes them). */
export const asRunDetail = (run: Schemas['RunDetail']): RunDetail => run as unknown as RunDetail
