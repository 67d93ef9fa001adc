// What the timeline draws, as plain values: each step's bars and marks by kind, the time
// axis's ticks, and the legend of the kinds drawn. Pure, so the chart and its tests read the
// same decisions (Timeline.tsx renders them).
import type { Schemas } from '../api/client'
import { isFix, type FixEntry } from './FixStep'
import type { Attempt, RunStep } from './types'

export type BarKind =
  | 'succeeded'
  | 'failed'
  | 'retried'
  | 'running'
  | 'waiting'
  | 'skipped'
  | 'cancelled'
  | 'compensated'
  | 'reused'

export const LEGEND: Record<BarKind, string> = {
  succeeded: 'succeeded',
  retried: 'failed attempt, retried',
  failed: 'failed',
  running: 'running',
  waiting: 'waiting',
  skipped: 'skipped',
  cancelled: 'cancelled',
  compensated: 'compensated (undone)',
  reused: 'reused from an earlier run',
}

export interface Bar {
  kind: BarKind
  start: number
  end: number
  title: string
  /** For an attempt's bar: its number. */
  attempt?: number
}

export interface Row {
  step: RunStep
  bars: Bar[]
  fixes: FixEntry[]
}

export type Resume = Schemas['Resume']

const ms = (value: string | null | undefined): number | null => (value ? new Date(value).getTime() : null)

export function formatSpan(value: number): string {
  if (value < 1000) return `${Math.round(value)} ms`
  if (value < 60_000) return `${+(value / 1000).toFixed(2)} s`
  const min = Math.floor(value / 60_000)
  const s = Math.round((value % 60_000) / 1000)
  return s ? `${min} min ${s} s` : `${min} min`
}

function attemptBars(step: RunStep, attempts: Attempt[], now: number): Bar[] {
  const last = attempts.length - 1
  return attempts.flatMap((a, i): Bar[] => {
    const start = ms(a.started_at)
    if (start === null) return []
    const finished = ms(a.finished_at)
    const end = finished ?? (step.status === 'running' ? now : start)
    let kind: BarKind
    if (finished === null) kind = step.status === 'cancelled' ? 'cancelled' : 'running'
    else if (a.error) kind = i < last ? 'retried' : step.status === 'cancelled' ? 'cancelled' : 'failed'
    else kind = step.status === 'compensated' ? 'compensated' : 'succeeded'
    const what = a.error ? ` — ${a.error.message ?? a.error.code ?? 'failed'}` : ''
    return [{ kind, start, end, attempt: a.attempt, title: `attempt ${a.attempt}: ${formatSpan(end - start)}${what}` }]
  })
}

/** Each step's bars: its attempts (a failed one that was retried apart from the last), the
 * time it waited after them, a reused step as a mark at the run's start, a skipped or
 * cancelled step that never ran as a mark when it was decided. */
export function stepRows(steps: RunStep[], runStart: number | null, now: number): Row[] {
  const rows = steps.map((step): Row => {
    const attempts = step.attempts.filter((a) => !isFix(a))
    const fixes = (step.attempts as unknown[]).filter(isFix)
    const bars = attemptBars(step, attempts, now)
    const started = ms(step.started_at)
    const finished = ms(step.finished_at)
    if (step.reused_from_run != null) {
      const at = runStart ?? ms(step.created_at) ?? now
      bars.push({ kind: 'reused', start: at, end: at, title: `reused from run #${step.reused_from_run}: its output was copied, it did not run here` })
    } else if (!bars.length && started !== null) {
      const kind: BarKind = step.status === 'succeeded' ? 'succeeded' : step.status === 'failed' ? 'failed' : step.status === 'cancelled' ? 'cancelled' : 'running'
      bars.push({ kind, start: started, end: finished ?? now, title: `${step.status}: ${formatSpan((finished ?? now) - started)}` })
    } else if (!bars.length && (step.status === 'skipped' || step.status === 'cancelled')) {
      const at = finished ?? ms(step.created_at)
      if (at !== null) bars.push({ kind: step.status, start: at, end: at, title: `${step.status} (never ran)` })
    }
    const lastEnd = ms(attempts[attempts.length - 1]?.finished_at)
    const waitedUntil = step.status === 'waiting' ? now : finished
    if (lastEnd !== null && waitedUntil !== null && waitedUntil - lastEnd > 5) {
      bars.push({ kind: 'waiting', start: lastEnd, end: waitedUntil, title: `waited ${formatSpan(waitedUntil - lastEnd)}` })
    }
    return { step, bars, fixes }
  })
  const first = (row: Row) => Math.min(...row.bars.map((b) => b.start), Infinity)
  const order = new Map(steps.map((s, i) => [s, i]))
  // Rows in order of start; those a few ms apart (a trigger and the steps a rerun reused, at
  // the run's start) in the order the run created them.
  return rows
    .filter((row) => row.bars.length || row.fixes.length)
    .sort((a, b) => {
      const apart = first(a) - first(b)
      return Math.abs(apart) >= 5 ? apart : order.get(a.step)! - order.get(b.step)!
    })
}

/** The legend: the kinds drawn, in the legend's order. */
export function kindsDrawn(rows: Row[]): BarKind[] {
  const drawn = new Set(rows.flatMap((row) => row.bars.map((b) => b.kind)))
  return (Object.keys(LEGEND) as BarKind[]).filter((kind) => drawn.has(kind))
}

const STEPS = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10_000, 15_000, 30_000, 60_000, 120_000, 300_000, 600_000, 900_000, 1_800_000, 3_600_000]

/** A tick every `step` ms (a round figure in ms, s or min) so that about `wanted` ticks span `span`. */
export function tickStep(span: number, wanted: number): number {
  const raw = span / Math.max(wanted, 1)
  return STEPS.find((s) => s >= raw) ?? Math.ceil(raw / 3_600_000) * 3_600_000
}

export function ticks(span: number, step: number): number[] {
  const out: number[] = []
  for (let t = 0; t <= span + 1e-6 && out.length < 2000; t += step) out.push(t)
  return out
}
