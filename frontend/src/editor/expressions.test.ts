import { describe, expect, it } from 'vitest'
import { expressionsIn } from './expressions'

const literal = (schema: Record<string, unknown>) => ({ ...schema, 'x-expression': false })

describe('expressionsIn', () => {
  it('finds every {{ }} of a config, trimmed, in nested values', () => {
    const config = { url: 'https://x/{{ trigger.id }}/{{vars.a}}', json: { list: ['{{ steps.a.output }}', 3] }, method: 'GET' }
    expect(expressionsIn(config, { type: 'object', properties: { url: { type: 'string' } } })).toEqual([
      { source: 'trigger.id', jsonata: false },
      { source: 'vars.a', jsonata: false },
      { source: 'steps.a.output', jsonata: false },
    ])
  })

  it('takes a JSONata field whole, as written, and skips it when blank', () => {
    const schema = { type: 'object', properties: { expression: literal({ type: 'string', 'x-jsonata': true }) } }
    expect(expressionsIn({ expression: ' trigger.n * 2' }, schema)).toEqual([{ source: ' trigger.n * 2', jsonata: true }])
    expect(expressionsIn({ expression: '  ' }, schema)).toEqual([])
  })

  it('finds the JSONata inside a literal list (a switch) but no {{ }} there', () => {
    const cases = literal({ type: 'array', items: { type: 'object', properties: { port: { type: 'string' }, expression: { type: 'string', 'x-jsonata': true } } } })
    const config = { cases: [{ port: '{{ x }}', expression: "trigger.tier = 'gold'" }] }
    expect(expressionsIn(config, { type: 'object', properties: { cases } })).toEqual([{ source: "trigger.tier = 'gold'", jsonata: true }])
  })

  it('leaves out a field rendered per item (a map input): there is no item to preview with', () => {
    const schema = { type: 'object', properties: { items: { type: 'array' }, input: { 'x-per-item': true } } }
    expect(expressionsIn({ items: '{{ trigger.list }}', input: { n: '{{ item }}' } }, schema)).toEqual([{ source: 'trigger.list', jsonata: false }])
  })

  it('finds {{ }} without a schema (an unknown node type)', () => {
    expect(expressionsIn({ a: '{{ 1 }}' }, undefined)).toEqual([{ source: '1', jsonata: false }])
  })
})
