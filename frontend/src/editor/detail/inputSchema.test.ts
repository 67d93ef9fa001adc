import { describe, expect, it } from 'vitest'
import { rowsOf, schemaOf } from './inputSchema'

describe('the input schema as rows', () => {
  it('reads a flat schema and writes it back', () => {
    const schema = { type: 'object', properties: { customer: { type: 'string' }, total: { type: 'number' } }, required: ['customer'] }
    const rows = rowsOf(schema)
    expect(rows).toEqual([
      { name: 'customer', type: 'string', required: true },
      { name: 'total', type: 'number', required: false },
    ])
    expect(schemaOf(rows!, schema)).toEqual(schema)
  })
  it('an empty schema is no rows, and no rows an empty schema (accepts any object)', () => {
    expect(rowsOf({})).toEqual([])
    expect(schemaOf([], {})).toEqual({})
  })
  it('leaves what rows cannot show to JSON', () => {
    expect(rowsOf({ type: 'object', properties: { code: { type: 'string', pattern: '^[A-Z]+$' } } })).toBeNull()
    expect(rowsOf({ oneOf: [] })).toBeNull()
  })
})
