// The expressions a node's config holds, found the way the server renders a config
// (catalog/expressions/evaluate.py render_config), for the node panel's previews.
const EXPRESSION = /\{\{([\s\S]*?)\}\}/g

/** An expression of the config: the source inside a `{{ }}`, or a whole JSONata field
 * (`x-jsonata`: a transform's, a condition's, a switch case's). */
export interface Expression {
  source: string
  jsonata: boolean
}

/** The expressions of a config, walked along its schema as the server renders it: a
 * field the node evaluates itself (`x-jsonata`) is one expression; one rendered per item
 * (`x-per-item`) has no item to preview with and is left out; a literal-only field takes
 * no `{{ }}`. */
export function expressionsIn(value: unknown, schema: unknown, out: Expression[] = [], templates = true): Expression[] {
  const s = (schema && typeof schema === 'object' ? schema : {}) as Record<string, unknown>
  if (s['x-jsonata']) {
    if (typeof value === 'string' && value.trim()) out.push({ source: value, jsonata: true })
    return out
  }
  if (s['x-per-item']) return out
  const rendered = templates && s['x-expression'] !== false
  if (typeof value === 'string') {
    if (rendered) for (const m of value.matchAll(EXPRESSION)) out.push({ source: m[1].trim(), jsonata: false })
  } else if (Array.isArray(value)) {
    value.forEach((v) => expressionsIn(v, s.items, out, rendered))
  } else if (value && typeof value === 'object') {
    const properties = (s.properties ?? {}) as Record<string, unknown>
    Object.entries(value).forEach(([k, v]) => expressionsIn(v, properties[k], out, rendered))
  }
  return out
}
