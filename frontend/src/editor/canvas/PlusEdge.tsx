// An edge with a "+" at its middle, shown while the edge is hovered or selected: it opens the
// node creator to put a node on the edge (source -> new -> target). The "+" is in the DOM
// only while shown: 600 hidden ones, each a positioned and transformed element, cost
// Chromium a share of every frame of a pan (bench/canvas.py). Leaving the edge hides it a
// moment later, so that the pointer can reach it.
import { BaseEdge, EdgeLabelRenderer, getBezierPath, type EdgeProps } from '@xyflow/react'
import { memo, useCallback, useEffect, useRef, useState } from 'react'
import { useCanvasActions } from './actions'

const HIDE_AFTER_MS = 250

function useHover(): { hover: boolean; enter: () => void; leave: () => void } {
  const [hover, setHover] = useState(false)
  const timer = useRef<number | null>(null)
  const cancel = () => {
    if (timer.current !== null) window.clearTimeout(timer.current)
    timer.current = null
  }
  const enter = useCallback(() => {
    cancel()
    setHover(true)
  }, [])
  const leave = useCallback(() => {
    cancel()
    timer.current = window.setTimeout(() => setHover(false), HIDE_AFTER_MS)
  }, [])
  useEffect(() => cancel, [])
  return { hover, enter, leave }
}

function PlusEdgeView(props: EdgeProps) {
  const { id, sourceX, sourceY, targetX, targetY, sourcePosition, targetPosition, label, selected, markerEnd, style, interactionWidth } = props
  const actions = useCanvasActions()
  const { hover, enter, leave } = useHover()
  const [path, x, y] = getBezierPath({ sourceX, sourceY, targetX, targetY, sourcePosition, targetPosition })
  const shown = (hover || selected) && actions !== null
  return (
    <>
      <g onMouseEnter={enter} onMouseLeave={leave}>
        <BaseEdge id={id} path={path} markerEnd={markerEnd} style={style} interactionWidth={interactionWidth ?? 24} />
      </g>
      {(shown || label) && (
        <EdgeLabelRenderer>
          <div
            className="edge-tools nodrag nopan"
            style={{ transform: `translate(-50%, -50%) translate(${x}px, ${y}px)` }}
            onMouseEnter={enter}
            onMouseLeave={leave}
            data-edge-id={id}
          >
            {label ? <span className="edge-label">{label}</span> : null}
            {shown && (
              <button
                type="button"
                className="edge-plus shown"
                tabIndex={-1}
                aria-label="Insert a node on this edge"
                title="Insert a node here"
                onClick={(e) => {
                  e.stopPropagation()
                  actions.openCreator({ kind: 'edge', edgeId: id })
                }}
              >
                +
              </button>
            )}
          </div>
        </EdgeLabelRenderer>
      )}
    </>
  )
}

export const PlusEdge = memo(PlusEdgeView)
