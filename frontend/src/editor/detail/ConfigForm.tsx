// A node's config as a form generated from its type's JSON Schema (react-jsonschema-form),
// with widgets that fit a narrow column: switches, key/value pairs, lists as text, only the
// fields of the mode chosen; in the detail view (`rich`) every text and JSONata field is
// the expression editor.
import Form from '@rjsf/core'
import type { UiSchema } from '@rjsf/utils'
import { customizeValidator } from '@rjsf/validator-ajv8'
import { useMemo } from 'react'
import type { Problem } from '../../api/client'
import { CREDENTIAL_TYPES_KEYWORD, CredentialField } from '../CredentialField'
import { ExpressionWidget, JsonField, KeyValueField, ListField, SwitchWidget, type FormContext } from './widgets'

const validator = customizeValidator({ ajvOptionsOverrides: { strict: false } })
const TYPED = ['type', 'enum', 'const', 'oneOf', 'anyOf', 'allOf', '$ref']
type Schema = Record<string, unknown>

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
  }
  return ui
}

/** The server's problems on the config (`/config/url`) as RJSF's errors of each field. */
function errorsOf(problems: Problem[]): Record<string, unknown> {
  const errors: Record<string, unknown> = {}
  for (const p of problems) {
    const parts = (p.field ?? '').split('/').filter(Boolean)
    if (parts[0] !== 'config' || parts.length < 2) continue
    let target = errors as Record<string, unknown>
    for (const part of parts.slice(1)) target = (target[part] ??= {}) as Record<string, unknown>
    target.__errors = [...((target.__errors as string[]) ?? []), p.message]
  }
  return errors
}

const FIELDS = { json: JsonField, credential: CredentialField, keyvalue: KeyValueField, list: ListField }
const WIDGETS = { switch: SwitchWidget, expression: ExpressionWidget }

export function ConfigForm({
  formKey,
  configSchema,
  defaults,
  value,
  problems,
  onChange,
  context,
}: {
  formKey: string
  configSchema: Schema | undefined
  /** The node type's default config: what a field left unset means. */
  defaults?: Record<string, unknown>
  value: Record<string, unknown>
  problems: Problem[]
  onChange: (config: Record<string, unknown>) => void
  /** Given in the detail view: text fields become expression editors with previews. */
  context?: FormContext
}) {
  const schema = useMemo(() => ({ ...(configSchema ?? {}), title: undefined }), [configSchema])
  const extraErrors = useMemo(() => errorsOf(problems), [problems])
  const ui = useMemo(
    () => ({ ...uiFor(schema, value, Boolean(context), true, defaults), 'ui:submitButtonOptions': { norender: true } }),
    [schema, value, context, defaults],
  )
  return (
    <Form
      key={formKey}
      schema={schema}
      formData={value}
      validator={validator}
      noValidate
      extraErrors={extraErrors as never}
      showErrorList={false}
      uiSchema={ui}
      fields={FIELDS}
      widgets={WIDGETS}
      formContext={context}
      onChange={(e) => onChange((e.formData ?? {}) as Record<string, unknown>)}
    />
  )
}
