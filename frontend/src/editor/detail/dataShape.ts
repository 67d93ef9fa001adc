// What the node detail view knows of the data a node would see: the fields of a JSON value
// with their types (the schema view, the completions), the path of a field as an
// expression reads it, and the names an expression can start with.

/** One field of a value: where it is, what it holds (the first item stands for a list). */
export interface Field {
  /** The JSONata path from the root it was read under: `steps.fetch.output.items[0].id` is `steps.fetch.output.items.id`. */
  path: string
  name: string
  type: string
  /** A sample value, shortened, for a leaf. */
  sample?: string
  depth: number
  children: Field[]
}

export function typeOf(value: unknown): string {
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'array'
  return typeof value === 'object' ? 'object' : typeof value
}

const NAME = /^[A-Za-z_$][A-Za-z0-9_$]*$/

/** A key as a JSONata path step: bare when it can be, in backquotes otherwise. */
export function step(key: string): string {
  return NAME.test(key) ? key : `\`${key.replace(/`/g, '')}\``
}

function sampleOf(value: unknown): string | undefined {
  if (value === null || typeof value === 'object') return undefined
  const text = JSON.stringify(value)
  return text.length > 40 ? `${text.slice(0, 39)}…` : text
}

const MAX_FIELDS = 400

/** The fields of `value` read at `root`: objects by key, a list by its first item (JSONata
 * maps a path over a list, so `items.id` reads every item's id). */
export function fieldsOf(value: unknown, root: string, depth = 0, budget = { left: MAX_FIELDS }): Field[] {
  let inner = value
  while (Array.isArray(inner)) inner = inner[0]
  if (!inner || typeof inner !== 'object' || depth > 6) return []
  const out: Field[] = []
  for (const [key, child] of Object.entries(inner as Record<string, unknown>)) {
    if (budget.left-- <= 0) break
    const path = root ? `${root}.${step(key)}` : step(key)
    out.push({ path, name: key, type: typeOf(child), sample: sampleOf(child), depth, children: fieldsOf(child, path, depth + 1, budget) })
  }
  return out
}

/** Every path below the fields, depth first: what completion offers. */
export function flatten(fields: Field[], out: Field[] = []): Field[] {
  for (const f of fields) {
    out.push(f)
    flatten(f.children, out)
  }
  return out
}

/** What a node's expressions see, as the preview endpoint builds it: the run's input, the
 * upstream steps' outputs (by node id), the vars and the run. */
export interface NodeData {
  trigger: unknown
  steps: Record<string, unknown>
  vars: Record<string, unknown>
}

/** The roots an expression starts with, each with the value under it (undefined: not known yet). */
export function roots(data: NodeData, upstream: string[]): { path: string; value: unknown }[] {
  return [
    { path: 'trigger', value: data.trigger },
    ...upstream.map((id) => ({ path: `steps.${step(id)}.output`, value: data.steps[id] })),
    { path: 'vars', value: data.vars },
    { path: 'run', value: { id: 0, started_at: '', trigger: '', attempt: 1 } },
  ]
}

/** The `{{ }}` a dragged field becomes in a parameter. */
export function template(path: string): string {
  return `{{ ${path} }}`
}

/** Where each `{{ }}` of a template field starts its source (after the braces and the
 * spaces), so an error at a position of one expression marks the right character of the field. */
export function templateParts(text: string): { source: string; from: number }[] {
  const out: { source: string; from: number }[] = []
  for (const m of text.matchAll(/\{\{([\s\S]*?)\}\}/g)) {
    const raw = m[1]
    const lead = raw.length - raw.trimStart().length
    out.push({ source: raw.trim(), from: (m.index ?? 0) + 2 + lead })
  }
  return out
}
