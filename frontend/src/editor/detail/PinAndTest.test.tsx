import { QueryClient, QueryClientProvider } from '@tanstack/react-query'
import { renderToStaticMarkup } from 'react-dom/server'
import { beforeEach, describe, expect, it } from 'vitest'
import { ApiError } from '../../api/client'
import { createGraphStore } from '../../stores/graph'
import { stepNodeData } from '../StepNode'
import type { GraphNode } from '../types'
import { parsePinned, PinAndTestView, refusal } from './PinAndTest'

const fetchNode = (extra: Partial<GraphNode> = {}): GraphNode => ({ id: 'fetch', type: 'http.request', position: { x: 0, y: 0 }, config: {}, ...extra })

type ViewProps = Parameters<typeof PinAndTestView>[0]

/** The view as the store hook feeds it, from the store's current document. */
function render(props: Partial<ViewProps> = {}) {
  const client = new QueryClient({ defaultOptions: { queries: { retry: false } } })
  const g = graph.getState()
  const store = {
    pinned: g.doc.nodes.find((n) => n.id === 'fetch')?.pinned,
    setPinned: () => {},
    unpin: () => {},
    doc: () => g.doc,
  }
  return renderToStaticMarkup(
    <QueryClientProvider client={client}>
      <PinAndTestView workflowId={1} nodeId="fetch" {...store} {...props} />
    </QueryClientProvider>,
  )
}

let graph = createGraphStore()
beforeEach(() => {
  graph = createGraphStore()
  graph.getState().load({ nodes: [fetchNode()], edges: [] }, 1)
})

describe('parsePinned', () => {
  it('takes any JSON value, null included', () => {
    expect(parsePinned('{"a": [1, 2]}')).toEqual({ value: { a: [1, 2] } })
    expect(parsePinned('null')).toEqual({ value: null })
    expect(parsePinned(' "text" ')).toEqual({ value: 'text' })
  })
  it('says what is wrong with text that is not JSON', () => {
    expect(parsePinned('')).toHaveProperty('error', expect.stringContaining('Type a JSON value'))
    expect(parsePinned('{a: 1}')).toHaveProperty('error', expect.stringMatching(/^This is not JSON: /))
  })
})

describe('refusal', () => {
  it('lists the server’s sentence, then each problem', () => {
    const problem = { code: 'invalid_config', message: 'The URL must start with http:// or https://', node_id: 'fetch', edge_id: null, field: '/config/url' }
    expect(refusal(new ApiError(422, 'The step cannot be tested: fix these problems first.', [problem]))).toEqual([
      'The step cannot be tested: fix these problems first.',
      'The URL must start with http:// or https://',
    ])
  })
})

describe('PinAndTest', () => {
  it('offers to pin the last run’s output, or data typed by hand, when nothing is pinned', () => {
    const none = render()
    expect(none).toContain('Pin last run’s output')
    expect(none).toMatch(/<button[^>]*disabled[^>]*>Pin last run’s output/) // no run output yet
    expect(none).not.toContain('Unpin')
    expect(render({ lastOutput: { output: { id: 7 } } })).not.toMatch(/<button[^>]*disabled[^>]*>Pin last run’s output/)
  })

  it('shows the pinned output from the draft, with Edit and Unpin', () => {
    graph.getState().updateNode('fetch', { pinned: { output: { id: 7 } } })
    const html = render()
    expect(html).toContain('badge-pinned')
    expect(html).toContain('&quot;id&quot;: 7')
    expect(html).toContain('Unpin')
    expect(html).toContain('Test step')
    expect(html).toContain('the latest run')
    expect(render({ runId: 12 })).toContain('run #12')
  })

  it('pins and unpins through the graph store as one undoable edit each', () => {
    graph.getState().updateNode('fetch', { pinned: { output: [1] } })
    expect(graph.getState().isDirty()).toBe(true)
    graph.getState().updateNode('fetch', { pinned: undefined })
    // Unpinned, the document serializes as it was loaded: no `pinned` key is left behind.
    expect(graph.getState().isDirty()).toBe(false)
    graph.getState().undo()
    expect(graph.getState().doc.nodes[0].pinned).toEqual({ output: [1] })
  })
})

describe('the canvas node', () => {
  it('carries a pinned flag for the badge', () => {
    const run = { status: null, attempt: 0, durationMs: null, problems: 0 }
    expect(stepNodeData(fetchNode(), undefined, run).pinned).toBe(false)
    expect(stepNodeData(fetchNode({ pinned: { output: null } }), undefined, run).pinned).toBe(true)
  })
})
