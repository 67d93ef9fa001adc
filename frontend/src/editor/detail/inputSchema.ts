// A trigger's input schema as rows of field, type and "required", and back (SchemaEditor.tsx).
export const TYPES = ['string', 'number', 'integer', 'boolean', 'object', 'array'] as const
export type Row = { name: string; type: string; required: boolean }
export type Schema = { type?: string; properties?: Record<string, Record<string, unknown>>; required?: string[]; [key: string]: unknown }

/** The rows of a flat object schema, or null when it is more than rows can show. */
export function rowsOf(schema: Schema | undefined): Row[] | null {
  const s = schema ?? {}
  const extra = Object.keys(s).filter((k) => !['type', 'properties', 'required', 'additionalProperties'].includes(k))
  if (extra.length || (s.type !== undefined && s.type !== 'object')) return null
  const rows: Row[] = []
  for (const [name, property] of Object.entries(s.properties ?? {})) {
    const keys = Object.keys(property).filter((k) => k !== 'type' && k !== 'title')
    if (keys.length || !TYPES.includes(property.type as (typeof TYPES)[number])) return null
    rows.push({ name, type: property.type as string, required: (s.required ?? []).includes(name) })
  }
  return rows
}

export function schemaOf(rows: Row[], base: Schema | undefined): Schema {
  const named = rows.filter((r) => r.name.trim())
  if (!named.length) return {}
  const schema: Schema = { ...(base ?? {}), type: 'object', properties: Object.fromEntries(named.map((r) => [r.name.trim(), { type: r.type }])) }
  const required = named.filter((r) => r.required).map((r) => r.name.trim())
  if (required.length) schema.required = required
  else delete schema.required
  return schema
}

