// Which field or widget each property of a node's config gets in the form: the schema
// read for what fits a narrow column (switches, pairs, lists as text) and for the fields
// the chosen mode does not use, and for the titles of an enum's values.
import type { UiSchema } from '@rjsf/utils'
import { CREDENTIAL_TYPES_KEYWORD } from '../CredentialField'

const TYPED = ['type', 'enum', 'const', 'oneOf', 'anyOf', 'allOf', '$ref']
export type Schema = Record<string, unknown>

function isStringMap(s: Schema): boolean {
  const extra = s.additionalProperties as Schema | undefined
  return s.type === 'object' && !s.properties && !!extra && extra.type === 'string'
}

function isPrimitive(value: unknown): value is string | number {
  return typeof value === 'string' || typeof value === 'number'
}

function isShortList(s: Schema): boolean {
  const items = (s.items ?? {}) as Schema
  const choices = (items.anyOf ?? items.oneOf) as Schema[] | undefined
  return s.type === 'array' && !!choices && choices.every((c) => c.type === 'integer' || c.type === 'number' || c.type === 'string')
}

/** The titles a select shows for an enum's values (`x-enum-titles`, catalog/nodes/base.py),
 * when there is one per value. */
export function enumTitles(s: Schema): string[] | null {
  const values = s.enum
  const titles = s['x-enum-titles']
  if (!Array.isArray(values) || !Array.isArray(titles) || titles.length !== values.length) return null
  return titles.every((t) => typeof t === 'string') ? (titles as string[]) : null
}

/** What the titles of a property's enum (or of its items' enum) add to its uiSchema. */
function titled(property: Schema): UiSchema {
  const own = enumTitles(property)
  if (own) return { 'ui:enumNames': own }
  const items = property.type === 'array' ? enumTitles((property.items ?? {}) as Schema) : null
  return items ? { items: { 'ui:enumNames': items } } : {}
}

/** The fields another mode needs: `allOf: [{if: {properties: {mode: {const: X}}}, then: {required: [...]}}]`
 * ties fields to a value of a field; those of the values not chosen are hidden. */
export function fieldsOfOtherModes(schema: Schema, value: Record<string, unknown>): Set<string> {
  const mine = new Set<string>()
  const theirs = new Set<string>()
  for (const branch of (schema.allOf ?? []) as Schema[]) {
    const condition = ((branch.if as Schema | undefined)?.properties ?? {}) as Record<string, Schema>
    const required = ((branch.then as Schema | undefined)?.required ?? []) as string[]
    const [field, test] = Object.entries(condition)[0] ?? []
    if (!field || !test || !('const' in test)) continue
    for (const name of required) (value[field] === test.const ? mine : theirs).add(name)
  }
  return new Set([...theirs].filter((name) => !mine.has(name)))
}

/** The uiSchema of a (sub)schema: which field or widget each property gets. */
export function uiFor(schema: Schema, value: Record<string, unknown>, rich: boolean, templates = true, defaults: Record<string, unknown> = {}): UiSchema {
  const ui: UiSchema = {}
  const properties = (schema.properties ?? {}) as Record<string, Schema>
  const hidden = fieldsOfOtherModes(schema, value)
  for (const [name, property] of Object.entries(properties)) {
    const rendered = templates && property['x-expression'] !== false
    if (hidden.has(name)) ui[name] = { 'ui:widget': 'hidden' }
    else if (name === 'input_schema' && property.type === 'object') ui[name] = { 'ui:field': 'schema' }
    else if (CREDENTIAL_TYPES_KEYWORD in property) ui[name] = { 'ui:field': 'credential', 'ui:label': false }
    else if (!TYPED.some((key) => key in property)) ui[name] = { 'ui:field': 'json' }
    // A switch left unset shows what the node does without it: its type's default.
    else if (property.type === 'boolean') ui[name] = { 'ui:widget': 'switch', 'ui:label': false, 'ui:options': { unset: property.default ?? defaults[name] } }
    else if (isStringMap(property)) ui[name] = { 'ui:field': 'keyvalue' }
    else if (isShortList(property)) ui[name] = { 'ui:field': 'list' }
    else if ((property.type === 'number' || property.type === 'integer' || property.enum) && isPrimitive(defaults[name]))
      ui[name] = { 'ui:placeholder': `${defaults[name]} (default)` }
    else if (rich && property.type === 'string' && !property.enum && (property['x-jsonata'] || rendered)) ui[name] = { 'ui:widget': 'expression' }
    else if (property.type === 'array' && (property.items as Schema | undefined)?.type === 'object') {
      const items = property.items as Schema
      ui[name] = { items: uiFor(items, {}, rich, rendered), 'ui:options': { orderable: false } }
    } else if (property.type === 'object' && property.properties) {
      ui[name] = uiFor(property, (value[name] ?? {}) as Record<string, unknown>, rich, rendered)
    }
    const titles = titled(property)
    if (Object.keys(titles).length && ui[name]?.['ui:widget'] !== 'hidden') ui[name] = { ...ui[name], ...titles }
  }
  return ui
}

