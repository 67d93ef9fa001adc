import { describe, expect, it } from 'vitest'
import { originOf, paletteTooltip, type NodeTypeInfo } from './types'

const info = (extra: Partial<NodeTypeInfo>): NodeTypeInfo => ({
  type: 'example.slugify',
  title: 'Slugify',
  category: 'Data',
  description: 'Turns a text into a slug.',
  is_trigger: false,
  config_schema: {},
  default_config: {},
  output_schema: null,
  output_ports: ['out'],
  dynamic_ports: null,
  has_input: true,
  package: 'stepwise',
  version: '0.9.0',
  builtin: true,
  ...extra,
})

describe('a node type from a plugin', () => {
  it('names its package and version in the palette tooltip', () => {
    const plugin = info({ package: 'stepwise-example-nodes', version: '1.0.0', builtin: false })
    expect(originOf(plugin)).toBe('stepwise-example-nodes 1.0.0')
    expect(paletteTooltip(plugin)).toBe(
      'Turns a text into a slug. From the plugin stepwise-example-nodes 1.0.0. (drag onto the canvas, double-click or press Enter to add)',
    )
  })
  it('says nothing of the package for a built-in type', () => {
    expect(originOf(info({}))).toBeNull()
    expect(paletteTooltip(info({}))).toBe('Turns a text into a slug. (drag onto the canvas, double-click or press Enter to add)')
    expect(originOf(undefined)).toBeNull()
  })
})
