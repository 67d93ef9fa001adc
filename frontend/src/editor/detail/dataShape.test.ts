import { describe, expect, it } from 'vitest'
import { fieldsOf, flatten, step, templateParts } from './dataShape'

describe('fieldsOf', () => {
  it('reads a list by its first item and names each field with its type', () => {
    const fields = flatten(fieldsOf({ items: [{ id: 7, 'unit price': 2.5 }], ok: true }, 'steps.fetch.output'))
    expect(fields.map((f) => [f.path, f.type])).toEqual([
      ['steps.fetch.output.items', 'array'],
      ['steps.fetch.output.items.id', 'number'],
      ['steps.fetch.output.items.`unit price`', 'number'],
      ['steps.fetch.output.ok', 'boolean'],
    ])
  })
  it('has no fields for a scalar', () => {
    expect(fieldsOf(5, 'trigger')).toEqual([])
  })
  it('keeps a bare name bare and quotes the others', () => {
    expect(step('user_id')).toBe('user_id')
    expect(step('x-request-id')).toBe('`x-request-id`')
  })
})

describe('templateParts', () => {
  it('gives where each expression starts inside the field', () => {
    const text = 'Pay {{  steps.a.output }} to {{b}}'
    const parts = templateParts(text)
    expect(parts).toEqual([
      { source: 'steps.a.output', from: 8 },
      { source: 'b', from: 31 },
    ])
    expect(text.slice(parts[0].from, parts[0].from + 5)).toBe('steps')
    expect(text[parts[1].from]).toBe('b')
  })
})
