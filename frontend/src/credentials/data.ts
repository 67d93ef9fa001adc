// What the credential form sends: the fields of its type, secrets write-only.
import type { Credential, CredentialType } from './api'

export type Values = Record<string, string>

export function initialValues(credential: Credential | undefined): Values {
  const values: Values = {}
  for (const [key, value] of Object.entries(credential?.values ?? {})) values[key] = value == null ? '' : String(value)
  return values
}

/** The `data` to send: creating, the fields filled in; editing, only what changed, with
 * null for a field emptied and no entry for a secret left empty (it keeps its value). */
export function dataToSend(kind: CredentialType, values: Values, credential: Credential | undefined): Record<string, unknown> {
  const data: Record<string, unknown> = {}
  for (const [name, field] of Object.entries(kind.schema.properties)) {
    const text = (values[name] ?? '').trim() === '' ? '' : values[name]
    const before = credential?.values[name]
    if (text === '') {
      if (credential && !field.writeOnly && before != null && before !== '') data[name] = null
      continue
    }
    const value = field.type === 'integer' || field.type === 'number' ? Number(text) : text
    if (credential && !field.writeOnly && before === value) continue
    data[name] = value
  }
  return data
}
