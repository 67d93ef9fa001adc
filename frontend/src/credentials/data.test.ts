import { describe, expect, it } from 'vitest'
import type { Credential, CredentialType } from './api'
import { dataToSend } from './data'

const basic: CredentialType = {
  type: 'http.basic',
  title: 'Basic auth',
  description: '',
  secret_fields: ['password'],
  testable: true,
  schema: {
    properties: { username: { type: 'string', title: 'User name' }, password: { type: 'string', writeOnly: true } },
    required: ['username', 'password'],
  },
}
const smtp: CredentialType = {
  ...basic,
  type: 'smtp',
  secret_fields: ['password'],
  schema: { properties: { host: { type: 'string' }, port: { type: 'integer' }, password: { type: 'string', writeOnly: true } } },
}
const stored: Credential = {
  id: 3, name: 'Shop', type: 'http.basic', values: { username: 'ada' }, secrets_set: ['password'], created_at: '', updated_at: '',
}

describe('dataToSend', () => {
  it('sends what was filled in when creating, numbers as numbers', () => {
    expect(dataToSend(basic, { username: 'ada', password: 'pw' }, undefined)).toEqual({ username: 'ada', password: 'pw' })
    expect(dataToSend(smtp, { host: 'mail', port: '587', password: '' }, undefined)).toEqual({ host: 'mail', port: 587 })
  })

  it('editing, leaves out a secret left empty so the server keeps it', () => {
    expect(dataToSend(basic, { username: 'ada', password: '' }, stored)).toEqual({})
    expect(dataToSend(basic, { username: 'grace', password: '' }, stored)).toEqual({ username: 'grace' })
    expect(dataToSend(basic, { username: 'ada', password: 'new-pw' }, stored)).toEqual({ password: 'new-pw' })
  })

  it('editing, clears a plain field emptied with null', () => {
    expect(dataToSend(basic, { username: '  ', password: '' }, stored)).toEqual({ username: null })
  })
})
