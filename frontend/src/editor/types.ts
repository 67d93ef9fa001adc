// The graph document as the API stores it (docs/architecture.md#graph-format).
export interface Position {
  x: number
  y: number
}

export interface RetryPolicy {
  max_attempts?: number
  backoff?: 'exponential' | 'fixed'
  initial_s?: number
  max_s?: number
  jitter?: boolean
}

export interface GraphNode {
  id: string
  type: string
  name?: string
  position: Position
  config: Record<string, unknown>
  retry?: RetryPolicy
  timeout_s?: number
  on_error?: 'fail' | 'continue' | 'route'
  compensation?: string
  delivery?: 'at_least_once' | 'at_most_once'
  /** The editor's stand-in output: previews and step tests read it, runs never do. */
  pinned?: { output: unknown }
}

export interface GraphEdge {
  id: string
  source: string
  source_port: string
  target: string
  target_port: string
}

export type NoteColor = 'yellow' | 'blue' | 'green' | 'pink' | 'purple' | 'gray'

/** A sticky note on the canvas (markdown text); the editor's only, never run. */
export interface GraphNote {
  id: string
  text: string
  position: Position
  width?: number
  height?: number
  color?: NoteColor
}

export interface GraphDoc {
  nodes: GraphNode[]
  edges: GraphEdge[]
  vars?: Record<string, unknown>
  notes?: GraphNote[]
}

export interface NodeTypeInfo {
  type: string
  title: string
  category: string
  description: string
  is_trigger: boolean
  config_schema: Record<string, unknown>
  default_config: Record<string, unknown>
  /** JSON Schema of the node's output, when its type gives one. */
  output_schema: Record<string, unknown> | null
  output_ports: string[]
  dynamic_ports: { from: string; key: string } | null
  has_input: boolean
  /** The Python package the type comes from ('stepwise' for the built-in ones), and its version. */
  package: string
  version: string
  /** False for a type from an installed plugin (docs/nodes.md). */
  builtin: boolean
}

/** What the palette's tooltip and the detail view say of a type's origin: a plugin's package. */
export function originOf(info: NodeTypeInfo | undefined): string | null {
  return info && !info.builtin ? `${info.package} ${info.version}` : null
}

/** The palette item's tooltip: the description, the plugin it comes from, how to add it. */
export function paletteTooltip(info: NodeTypeInfo): string {
  const origin = originOf(info)
  return `${info.description}${origin ? ` From the plugin ${origin}.` : ''} (drag onto the canvas, double-click or press Enter to add)`
}

/** Output ports of a node for its config: the declarative rule the server applies too. */
export function portsOf(node: GraphNode, info: NodeTypeInfo | undefined): string[] {
  if (!info) return ['out']
  let ports = [...info.output_ports]
  const rule = info.dynamic_ports
  if (rule) {
    const items = node.config[rule.from.replace(/^\//, '')]
    if (Array.isArray(items)) {
      const dynamic = items
        .map((item) => (item && typeof item === 'object' ? (item as Record<string, unknown>)[rule.key] : undefined))
        .filter((port): port is string => typeof port === 'string')
      ports = [...dynamic, ...ports]
    }
  }
  if (node.on_error === 'route') ports.push('error')
  return ports
}
