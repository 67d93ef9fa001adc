// What the canvas's own pieces (a node's "+", an edge's "+") ask of the canvas. Given by a
// context, never through a node's data (data stays plain: docs/architecture.md#frontend-layout).
// Without a provider (the run view) there is no "+".
import { createContext, useContext } from 'react'

/** Where a node picked in the node creator goes. */
export type CreatorTarget =
  | { kind: 'free' }
  | { kind: 'at'; position: { x: number; y: number } }
  | { kind: 'after'; source: string; port: string }
  | { kind: 'edge'; edgeId: string }

export interface CanvasActions {
  openCreator: (target: CreatorTarget) => void
}

export const CanvasActionsContext = createContext<CanvasActions | null>(null)

export const useCanvasActions = () => useContext(CanvasActionsContext)
