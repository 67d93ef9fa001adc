import { describe, expect, it } from 'vitest'
import { fieldsOfOtherModes, uiFor } from './uiSchema'

// The wait node's schema (catalog/nodes/wait.py): each mode requires its own field.
const WAIT = {
  type: 'object',
  properties: {
    mode: { enum: ['duration', 'until'], title: 'Wait', 'x-expression': false },
    duration_s: { type: 'number', title: 'Duration (s)' },
    until: { type: 'string', format: 'date-time', title: 'Until (ISO 8601)' },
  },
  allOf: [
    { if: { properties: { mode: { const: 'duration' } } }, then: { required: ['duration_s'] } },
    { if: { properties: { mode: { const: 'until' } } }, then: { required: ['until'] } },
  ],
}

describe('the fields of a mode', () => {
  it('hides until in duration mode and duration in until mode', () => {
    expect([...fieldsOfOtherModes(WAIT, { mode: 'duration' })]).toEqual(['until'])
    expect([...fieldsOfOtherModes(WAIT, { mode: 'until' })]).toEqual(['duration_s'])
    expect(uiFor(WAIT, { mode: 'duration' }, true).until).toEqual({ 'ui:widget': 'hidden' })
    expect(uiFor(WAIT, { mode: 'duration' }, true).duration_s).not.toEqual({ 'ui:widget': 'hidden' })
  })
})

describe('widgets that fit', () => {
  const HTTP = {
    type: 'object',
    properties: {
      url: { type: 'string', title: 'URL' },
      headers: { type: 'object', additionalProperties: { type: 'string' }, title: 'Headers' },
      follow_redirects: { type: 'boolean', title: 'Follow redirects' },
      fail_on_status: { type: 'array', items: { anyOf: [{ type: 'integer' }, { type: 'string' }] } },
      mode: { type: 'string', 'x-expression': false },
      expression: { type: 'string', 'x-jsonata': true, 'x-expression': false },
    },
  }
  it('gives each property the widget of its shape', () => {
    const ui = uiFor(HTTP, {}, true, true, { follow_redirects: true })
    expect(ui.headers).toEqual({ 'ui:field': 'keyvalue' })
    expect(ui.follow_redirects).toEqual({ 'ui:widget': 'switch', 'ui:label': false, 'ui:options': { unset: true } })
    expect(ui.fail_on_status).toEqual({ 'ui:field': 'list' })
    expect(ui.url).toEqual({ 'ui:widget': 'expression' })
    expect(ui.expression).toEqual({ 'ui:widget': 'expression' })
    expect(ui.mode).toBeUndefined() // literal text: no expression editor
  })
  it('keeps plain inputs outside the detail view', () => {
    expect(uiFor(HTTP, {}, false).url).toBeUndefined()
  })
})
