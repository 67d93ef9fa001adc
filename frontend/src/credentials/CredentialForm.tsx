// One credential's form, built from its type's JSON Schema: used by the Credentials page
// and by the node panel's "Create new…". Secret fields (writeOnly) are password inputs that
// never show a value; editing, one left empty keeps what is stored. The server's problems
// (`/name`, `/type`, `/data/<field>`) are shown on their field.
import { useMutation, useQueryClient } from '@tanstack/react-query'
import { useId, useState } from 'react'
import { ApiError, call, client } from '../api/client'
import { CREDENTIALS_KEY, type Credential, type CredentialType, type FieldSchema } from './api'
import { dataToSend, initialValues, type Values } from './data'

export function CredentialForm({
  types,
  credential,
  onSaved,
  onCancel,
}: {
  /** The types offered (the ones a node's field allows); editing, the credential's own. */
  types: CredentialType[]
  credential?: Credential
  onSaved: (saved: Credential) => void
  onCancel: () => void
}) {
  const queryClient = useQueryClient()
  const idPrefix = useId()
  const [type, setType] = useState(credential?.type ?? types[0]?.type ?? '')
  const [name, setName] = useState(credential?.name ?? '')
  const [values, setValues] = useState<Values>(() => initialValues(credential))
  const kind = types.find((t) => t.type === type)

  const save = useMutation({
    mutationFn: ({ name, data }: { name: string; data: Record<string, unknown> }) =>
      credential
        ? call(client.PATCH('/api/credentials/{id}/', { params: { path: { id: String(credential.id) } }, body: { name, data } }))
        : call(client.POST('/api/credentials/', { body: { name, type, data } })),
    onSuccess: async (saved) => {
      await queryClient.invalidateQueries({ queryKey: CREDENTIALS_KEY })
      onSaved(saved)
    },
  })
  const problems = save.error instanceof ApiError ? save.error.problems : []
  const problemAt = (field: string) => problems.filter((p) => p.field === field || p.field?.startsWith(`${field}/`)).map((p) => p.message).join(' ')
  const fieldNames = Object.keys(kind?.schema.properties ?? {})
  const placed = (field: string | null) =>
    field === '/name' || field === '/type' || fieldNames.some((f) => field === `/data/${f}` || field?.startsWith(`/data/${f}/`))
  const unplaced = save.error ? (problems.length ? problems.filter((p) => !placed(p.field)).map((p) => p.message) : [(save.error as Error).message]) : []

  const submit = (e: React.FormEvent) => {
    e.preventDefault()
    // Inside the node panel this form sits in a portal under RJSF's form: keep it there.
    e.stopPropagation()
    if (!kind) return
    const data = dataToSend(kind, values, credential)
    save.mutate({ name: name.trim(), data })
  }

  const field = (fieldName: string, schema: FieldSchema) => {
    const id = `${idPrefix}-${fieldName}`
    const error = problemAt(`/data/${fieldName}`)
    const required = kind?.schema.required?.includes(fieldName) ?? false
    const isSet = credential?.secrets_set.includes(fieldName) ?? false
    const common = {
      id,
      name: fieldName,
      'aria-invalid': error ? true : undefined,
      'aria-describedby': error ? `${id}-error` : undefined,
    } as const
    const set = (value: string) => {
      save.reset()
      setValues((v) => ({ ...v, [fieldName]: value }))
    }
    let input: React.ReactNode
    if (schema.enum) {
      input = (
        <select {...common} value={values[fieldName] ?? ''} onChange={(e) => set(e.target.value)}>
          {!required && <option value="">—</option>}
          {required && !values[fieldName] && <option value="">Choose…</option>}
          {schema.enum.map((option) => <option key={option} value={option}>{option}</option>)}
        </select>
      )
    } else if (schema.writeOnly) {
      input = (
        <input
          {...common}
          type="password"
          autoComplete="off"
          value={values[fieldName] ?? ''}
          placeholder={isSet ? 'set — type to replace' : ''}
          required={required && !isSet}
          onChange={(e) => set(e.target.value)}
        />
      )
    } else {
      const numeric = schema.type === 'integer' || schema.type === 'number'
      input = (
        <input
          {...common}
          type={numeric ? 'number' : 'text'}
          min={schema.minimum}
          max={schema.maximum}
          maxLength={schema.maxLength}
          autoComplete="off"
          value={values[fieldName] ?? ''}
          required={required}
          onChange={(e) => set(e.target.value)}
        />
      )
    }
    return (
      <div className="field" key={fieldName}>
        <label htmlFor={id}>
          {schema.title ?? fieldName}
          {!required && <span className="muted"> (optional)</span>}
          {schema.writeOnly && <span className="secret-tag">{isSet ? 'secret · set' : 'secret'}</span>}
        </label>
        {input}
        {schema.description && <p className="field-help">{schema.description}</p>}
        {error && <p className="field-error" id={`${id}-error`}>{error}</p>}
      </div>
    )
  }

  const typeError = problemAt('/type')
  const nameError = problemAt('/name')
  return (
    <form className="credential-form" onSubmit={submit} aria-label={credential ? 'Edit credential' : 'New credential'} noValidate>
      <div className="field">
        <label htmlFor={`${idPrefix}-type`}>Type</label>
        {credential || types.length === 1 ? (
          <input className="type-fixed" id={`${idPrefix}-type`} value={kind?.title ?? type} readOnly />
        ) : (
          <select id={`${idPrefix}-type`} value={type} onChange={(e) => {
            save.reset()
            setType(e.target.value)
          }} aria-invalid={typeError ? true : undefined}>
            {types.map((t) => <option key={t.type} value={t.type}>{t.title}</option>)}
          </select>
        )}
        {kind?.description && <p className="field-help">{kind.description}</p>}
        {typeError && <p className="field-error">{typeError}</p>}
      </div>
      <div className="field">
        <label htmlFor={`${idPrefix}-name`}>Name</label>
        <input
          id={`${idPrefix}-name`}
          value={name}
          maxLength={200}
          autoComplete="off"
          placeholder="e.g. Stripe live key"
          aria-invalid={nameError ? true : undefined}
          onChange={(e) => {
            save.reset()
            setName(e.target.value)
          }}
        />
        {nameError && <p className="field-error">{nameError}</p>}
      </div>
      {kind && Object.entries(kind.schema.properties).map(([fieldName, schema]) => field(fieldName, schema))}
      {unplaced.length > 0 && <p className="error" role="alert">{unplaced.join(' ')}</p>}
      <div className="form-actions">
        <button type="submit" disabled={save.isPending || !kind}>{save.isPending ? 'Saving…' : credential ? 'Save changes' : 'Create credential'}</button>
        <button type="button" className="secondary" onClick={onCancel}>Cancel</button>
      </div>
    </form>
  )
}
