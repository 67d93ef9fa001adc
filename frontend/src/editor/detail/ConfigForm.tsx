// A node's config as a form generated from its type's JSON Schema (react-jsonschema-form),
// with widgets that fit a narrow column: switches, key/value pairs, lists as text, only the
// fields of the mode chosen; in the detail view (`rich`) every text and JSONata field is
// the expression editor.
import Form from '@rjsf/core'
import { customizeValidator } from '@rjsf/validator-ajv8'
import { useMemo } from 'react'
import type { Problem } from '../../api/client'
import { CredentialField } from '../CredentialField'
import { SchemaEditor } from './SchemaEditor'
import { uiFor, type Schema } from './uiSchema'
import { ExpressionWidget, JsonField, KeyValueField, ListField, SwitchWidget, type FormContext } from './widgets'

const validator = customizeValidator({ ajvOptionsOverrides: { strict: false } })

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

const FIELDS = { json: JsonField, credential: CredentialField, keyvalue: KeyValueField, list: ListField, schema: SchemaEditor }
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
