// A node config property naming a credential (`x-credential-types` in its schema): a select
// of the user's credentials of those types, "— none —" first, and "Create new…", which
// opens the credential form and selects the new credential in the node.
import type { FieldProps } from '@rjsf/utils'
import { useState } from 'react'
import { useCredentials, useCredentialTypes } from '../credentials/api'
import { CredentialDialog } from '../credentials/CredentialDialog'

export const CREDENTIAL_TYPES_KEYWORD = 'x-credential-types'
const CREATE = 'create'

export function CredentialField(props: FieldProps) {
  const allowed = (props.schema[CREDENTIAL_TYPES_KEYWORD] as string[] | undefined) ?? []
  const types = useCredentialTypes()
  const credentials = useCredentials()
  const [creating, setCreating] = useState(false)
  const id = props.fieldPathId.$id
  const value = typeof props.formData === 'number' ? props.formData : undefined
  const fitting = (credentials.data ?? []).filter((c) => allowed.includes(c.type))
  const titleOf = (type: string) => types.data?.find((t) => t.type === type)?.title ?? type
  const missing = value !== undefined && credentials.data && !fitting.some((c) => c.id === value)
  const choose = (next: number | undefined) => props.onChange(next, props.fieldPathId.path)

  return (
    <div className="credential-field">
      <label htmlFor={id}>{props.schema.title ?? props.name}</label>
      <select
        id={id}
        value={value === undefined ? '' : String(value)}
        disabled={props.disabled || props.readonly}
        onChange={(e) => {
          if (e.target.value === CREATE) setCreating(true)
          else choose(e.target.value ? Number(e.target.value) : undefined)
        }}
      >
        <option value="">— none —</option>
        {fitting.map((c) => (
          <option key={c.id} value={String(c.id)}>
            {c.name} ({titleOf(c.type)})
          </option>
        ))}
        {missing && <option value={String(value)}>#{value} (not found)</option>}
        <option value={CREATE}>Create new…</option>
      </select>
      {credentials.isError && <span className="error-detail">Could not load your credentials.</span>}
      {creating && types.data && (
        <CredentialDialog
          types={types.data.filter((t) => allowed.includes(t.type))}
          onSaved={(saved) => {
            setCreating(false)
            choose(saved.id)
          }}
          onClose={() => setCreating(false)}
        />
      )}
    </div>
  )
}
