// An edge with a "+" at its middle, shown while the edge is hovered or selected: it opens the
// node creator to put a node on the edge (source -> new -> target). The port's name, if not
// `out`, is its label, beside the "+".
import { BaseEdge, EdgeLabelRenderer, getBezierPath, type EdgeProps } from '@xyflow/react'
import { memo, useState } from 'react'
import { useCanvasActions } from './actions'

function PlusEdgeView(props: EdgeProps) {
  const { id, sourceX, sourceY, targetX, targetY, sourcePosition, targetPosition, label, selected, markerEnd, style, interactionWidth } = props
  const actions = useCanvasActions()
  const [hover, setHover] = useState(false)
  const [path, x, y] = getBezierPath({ sourceX, sourceY, targetX, targetY, sourcePosition, targetPosition })
  const shown = hover || selected
  return (
    <>
      <g onMouseEnter={() => setHover(true)} onMouseLeave={() => setHover(false)}>
        <BaseEdge id={id} path={path} markerEnd={markerEnd} style={style} interactionWidth={interactionWidth ?? 24} />
      </g>
      <EdgeLabelRenderer>
        <div
          className="edge-tools nodrag nopan"
          style={{ transform: `translate(-50%, -50%) translate(${x}px, ${y}px)` }}
          onMouseEnter={() => setHover(true)}
          onMouseLeave={() => setHover(false)}
          data-edge-id={id}
        >
          {label ? <span className="edge-label">{label}</span> : null}
          {actions && (
            <button
              type="button"
              className={`edge-plus${shown ? ' shown' : ''}`}
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
    </>
  )
}

export const PlusEdge = memo(PlusEdgeView)
