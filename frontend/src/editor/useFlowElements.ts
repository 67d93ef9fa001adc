// The canvas's React Flow nodes and edges, derived from the document, the live run and
// the validation's problems (the editor's canvas; editor/Canvas.tsx draws them).
// Identities are stable: a node (or edge) whose inputs did not change is the same object as
// before, and when none changed the list is the same array, so React Flow and the memoised
// StepNode skip them. Typing in the node panel rebuilds one node, an event of the live
// run the nodes it touches, not all 500.
import { type Edge, useReactFlow, useStore, useStoreApi } from '@xyflow/react'
import { useEffect, useMemo, useRef } from 'react'
import type { LiveRun } from '../realtime/reducer'
import { useGraph } from '../stores/graph'
import { useRun } from '../stores/run'
import { flowEdge, stepNodeData, type StepFlowNode } from './StepNode'
import type { GraphEdge, GraphNode, NodeTypeInfo } from './types'

type Inputs = readonly unknown[]

/** Keeps, per id, what an element was built from and the element. */
export class ElementCache<T> {
  private built = new Map<string, { inputs: Inputs; element: T }>()
  private list: T[] = []

  /** The elements for `ids`, each rebuilt only when its inputs differ (by ===) from the
   * last time; the previous array itself when nothing differs. */
  derive(ids: readonly string[], inputsOf: (index: number) => Inputs, build: (index: number) => T): T[] {
    const next = new Map<string, { inputs: Inputs; element: T }>()
    const list: T[] = new Array(ids.length)
    let same = ids.length === this.list.length
    for (let i = 0; i < ids.length; i++) {
      const inputs = inputsOf(i)
      const old = this.built.get(ids[i])
      const entry = old && sameInputs(old.inputs, inputs) ? old : { inputs, element: build(i) }
      next.set(ids[i], entry)
      list[i] = entry.element
      if (same && list[i] !== this.list[i]) same = false
    }
    this.built = next
    if (same) return this.list
    this.list = list
    return list
  }
}

function sameInputs(a: Inputs, b: Inputs): boolean {
  if (a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false
  return true
}

/** The editor's flow nodes: what a node shows of its document node, type, run and problems. */
export function editorNodes(
  cache: ElementCache<StepFlowNode>,
  nodes: GraphNode[],
  context: {
    types: Map<string, NodeTypeInfo>
    live: LiveRun | null
    selected: ReadonlySet<string>
    problemsByNode: Map<string, number>
    durations: Map<string, number | null>
    linked: Map<string, string>
  },
): StepFlowNode[] {
  const { types, live, selected, problemsByNode, durations, linked } = context
  return cache.derive(
    nodes.map((n) => n.id),
    (i) => {
      const n = nodes[i]
      const step = live?.steps[n.id]
      return [n, types.get(n.type), step?.status ?? null, step?.attempt ?? 0, step ? (durations.get(n.id) ?? null) : null, problemsByNode.get(n.id) ?? 0, selected.has(n.id), linked.get(n.id) ?? '']
    },
    (i) => {
      const n = nodes[i]
      const step = live?.steps[n.id]
      return {
        id: n.id,
        type: 'step',
        position: n.position,
        selected: selected.has(n.id),
        data: {
          ...stepNodeData(n, types.get(n.type), {
            status: step?.status ?? null,
            attempt: step?.attempt ?? 0,
            durationMs: step ? (durations.get(n.id) ?? null) : null,
            problems: problemsByNode.get(n.id) ?? 0,
          }),
          linkedPorts: linked.get(n.id) ?? '',
        },
      }
    },
  )
}

/** Per node, its outputs that have an edge, as one string (compared by ===): StepNode draws
 * a "+" on the others without subscribing each port to React Flow's store, which at 500
 * nodes cost a selector run per port on every frame of a pan. */
export function linkedPorts(edges: GraphEdge[]): Map<string, string> {
  const ports = new Map<string, Set<string>>()
  for (const e of edges) {
    let set = ports.get(e.source)
    if (!set) ports.set(e.source, (set = new Set()))
    set.add(e.source_port)
  }
  return new Map([...ports].map(([id, set]) => [id, [...set].sort().join('\n')]))
}

/** The editor's flow edges: carried once their source succeeded into a target that ran. */
export function editorEdges(cache: ElementCache<Edge>, edges: GraphEdge[], live: LiveRun | null, selected: ReadonlySet<string>): Edge[] {
  return cache.derive(
    edges.map((e) => e.id),
    (i) => {
      const e = edges[i]
      return [e, live !== null, live?.steps[e.source]?.status, live?.steps[e.target]?.status, selected.has(e.id)]
    },
    (i) => {
      const e = edges[i]
      const source = live?.steps[e.source]
      const target = live?.steps[e.target]
      const carried = source?.status === 'succeeded' && target !== undefined && target.status !== 'skipped'
      return flowEdge(e, {
        selected: selected.has(e.id),
        animated: target?.status === 'running',
        className: carried ? 'edge-carried' : live && target?.status === 'skipped' ? 'edge-dead' : undefined,
      })
    },
  )
}

/** What the editor's canvas draws its nodes from, beside the document and the live run. */
export interface FlowInputs {
  types: Map<string, NodeTypeInfo>
  problemsByNode: Map<string, number>
  durations: Map<string, number | null>
}

export function useFlowElements({ types, problemsByNode, durations }: FlowInputs): { nodes: StepFlowNode[]; edges: Edge[] } {
  const docNodes = useGraph((s) => s.doc.nodes)
  const docEdges = useGraph((s) => s.doc.edges)
  const selectedNodes = useGraph((s) => s.selectedNodes)
  const selectedEdges = useGraph((s) => s.selectedEdges)
  const live = useRun((s) => s.live)
  const nodeCache = useRef(new ElementCache<StepFlowNode>())
  const edgeCache = useRef(new ElementCache<Edge>())
  const nodeSelection = useMemo(() => new Set(selectedNodes), [selectedNodes])
  const edgeSelection = useMemo(() => new Set(selectedEdges), [selectedEdges])

  // The caches make a recomputation cheap (one comparison per input), so new Maps that hold
  // the same values (the editor builds `durations` on each render) cost no rebuilt node.
  const linked = useMemo(() => linkedPorts(docEdges), [docEdges])
  const nodes = useMemo(
    () => editorNodes(nodeCache.current, docNodes, { types, live, selected: nodeSelection, problemsByNode, durations, linked }),
    [docNodes, types, live, nodeSelection, problemsByNode, durations, linked],
  )
  const edges = useMemo(() => editorEdges(edgeCache.current, docEdges, live, edgeSelection), [docEdges, live, edgeSelection])
  useFitOnLoad(docNodes)
  return { nodes, edges }
}

// A node's size before it is drawn (a large graph draws only the nodes in view).
const NODE_SIZE = { width: 200, height: 72 }

/** Fit the view to the graph after each load (opening the workflow, restoring a version),
 * never on an edit. The bounds come from the document's positions, since a large graph's
 * nodes out of view are never drawn, so never measured. */
function useFitOnLoad(nodes: GraphNode[]) {
  const loads = useGraph((s) => s.loads)
  const ready = useStore((s) => s.width > 0 && s.height > 0 && s.panZoom !== null)
  const store = useStoreApi()
  const { fitBounds, setCenter } = useReactFlow()
  const fitted = useRef(0) // the last load fitted
  useEffect(() => {
    if (loads === fitted.current || !ready) return
    fitted.current = loads
    if (!nodes.length) return
    let [x0, y0, x1, y1] = [Infinity, Infinity, -Infinity, -Infinity]
    for (const n of nodes) {
      x0 = Math.min(x0, n.position.x)
      y0 = Math.min(y0, n.position.y)
      x1 = Math.max(x1, n.position.x + NODE_SIZE.width)
      y1 = Math.max(y1, n.position.y + NODE_SIZE.height)
    }
    const { width, height, transform } = store.getState()
    const [tx, ty, zoom] = transform
    const inView = x0 * zoom + tx >= 0 && y0 * zoom + ty >= 0 && x1 * zoom + tx <= width && y1 * zoom + ty <= height
    if (inView) return // a graph already in view stays as it is drawn
    if ((x1 - x0) * 1.1 <= width && (y1 - y0) * 1.1 <= height) {
      void setCenter((x0 + x1) / 2, (y0 + y1) / 2, { zoom: 1 }) // it fits at its natural size
    } else {
      void fitBounds({ x: x0, y: y0, width: x1 - x0, height: y1 - y0 }, { padding: 0.05 })
    }
  }, [loads, ready, nodes, fitBounds])
}

/** What a run's step shows on the run view's canvas (the subset of the API's step it reads). */
export interface RunNodeStep {
  status: string
  attempt: number
  duration_ms: number | null
  ports: string[]
  reused_from_run?: number | null
}

const RESOLVED = new Set(['succeeded', 'failed', 'skipped', 'cancelled', 'compensated'])

/** The run view's flow nodes: the pinned graph's nodes with their steps' status. */
export function runNodes(
  cache: ElementCache<StepFlowNode>,
  nodes: GraphNode[],
  context: { types: Map<string, NodeTypeInfo>; byNode: Map<string, RunNodeStep>; selected: string | null },
): StepFlowNode[] {
  const { types, byNode, selected } = context
  return cache.derive(
    nodes.map((n) => n.id),
    (i) => {
      const n = nodes[i]
      const step = byNode.get(n.id)
      return [n, types.get(n.type), step?.status ?? null, step?.attempt ?? 0, step?.duration_ms ?? null, step?.reused_from_run ?? null, selected === n.id]
    },
    (i) => {
      const n = nodes[i]
      const step = byNode.get(n.id)
      return {
        id: n.id,
        type: 'step',
        position: n.position,
        selected: selected === n.id,
        draggable: false,
        data: stepNodeData(n, types.get(n.type), { status: step?.status ?? null, attempt: step?.attempt ?? 0, durationMs: step?.duration_ms ?? null, problems: 0, reusedFrom: step?.reused_from_run ?? null }),
      }
    },
  )
}

/** The run view's flow edges: taken by the port its source took (while the run is live and
 * a success's ports are not known yet, by its target having a step), dead once resolved. */
export function runEdges(cache: ElementCache<Edge>, edges: GraphEdge[], byNode: Map<string, RunNodeStep>): Edge[] {
  const takenOf = (e: GraphEdge): boolean => {
    const source = byNode.get(e.source)
    if (!source || source.status === 'skipped') return false
    if (source.ports.length) return source.ports.includes(e.source_port)
    const target = byNode.get(e.target)
    return source.status === 'succeeded' && target !== undefined && target.status !== 'skipped'
  }
  return cache.derive(
    edges.map((e) => e.id),
    (i) => {
      const e = edges[i]
      return [e, byNode.get(e.source)?.status, takenOf(e)]
    },
    (i) => {
      const e = edges[i]
      const source = byNode.get(e.source)
      const taken = takenOf(e)
      const resolved = source !== undefined && RESOLVED.has(source.status)
      return flowEdge(e, { className: taken ? 'edge-carried' : resolved ? 'edge-dead' : undefined, data: { taken } })
    },
  )
}
