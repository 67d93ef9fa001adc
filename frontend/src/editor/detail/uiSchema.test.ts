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

describe('enums with their titles', () => {
  const HTTP = {
    type: 'object',
    properties: {
      response_format: { enum: ['auto', 'json', 'text'], 'x-enum-titles': ['Detect from Content-Type', 'JSON', 'Text'], title: 'Parse response as' },
      method: { enum: ['GET', 'POST'], title: 'Method' },
      methods: { type: 'array', items: { enum: ['GET', 'POST'], 'x-enum-titles': ['GET', 'POST only'] }, uniqueItems: true },
    },
  }

  it('gives a select its titles as ui:enumNames', () => {
    expect(uiFor(HTTP, {}, true).response_format).toEqual({ 'ui:enumNames': ['Detect from Content-Type', 'JSON', 'Text'] })
  })

  it('keeps the default placeholder beside the titles', () => {
    expect(uiFor(HTTP, {}, true, true, { response_format: 'auto' }).response_format).toEqual({
      'ui:placeholder': 'auto (default)',
      'ui:enumNames': ['Detect from Content-Type', 'JSON', 'Text'],
    })
  })

  it('titles the items of a list of choices', () => {
    expect(uiFor(HTTP, {}, true).methods).toEqual({ items: { 'ui:enumNames': ['GET', 'POST only'] } })
  })

  it('leaves an enum without titles as it was', () => {
    expect(uiFor(HTTP, {}, true).method).toBeUndefined()
  })

  it('ignores titles that do not match the values one for one', () => {
    const wrong = { type: 'object', properties: { mode: { enum: ['a', 'b'], 'x-enum-titles': ['A'] } } }
    expect(uiFor(wrong, {}, true).mode).toBeUndefined()
  })
})
