// Sticky notes on the canvas: markdown text (rendered by markdown.tsx, never as HTML),
// resizable, in a few colours, saved in the graph's `notes` (docs/architecture.md#nodes-and-edges).
// They are flow nodes of their own type, made here beside the steps and put before them.
import { NodeResizer, type Node, type NodeChange, type NodeProps } from '@xyflow/react'
import { memo, useEffect, useMemo, useRef, useState } from 'react'
import { useGraph, useGraphStore, type GraphStore } from '../../stores/graph'
import type { NoteColor } from '../types'
import { Markdown } from './markdown'

export const NOTE_COLORS: NoteColor[] = ['yellow', 'blue', 'green', 'pink', 'purple', 'gray']
const PREFIX = 'note:'

export interface NoteData extends Record<string, unknown> {
  noteId: string
  text: string
  color: NoteColor
}
export type NoteFlowNode = Node<NoteData, 'note'>

export const isNoteId = (flowId: string) => flowId.startsWith(PREFIX)

function StickyNoteView({ data, selected }: NodeProps<NoteFlowNode>) {
  const store = useGraphStore()
  const [editing, setEditing] = useState(data.text === '')
  const [draft, setDraft] = useState(data.text)
  const area = useRef<HTMLTextAreaElement>(null)
  useEffect(() => {
    if (editing) area.current?.focus()
  }, [editing])
  useEffect(() => setDraft(data.text), [data.text])
  const finish = () => {
    setEditing(false)
    if (draft !== data.text) store.getState().updateNote(data.noteId, { text: draft })
  }
  return (
    <div className={`sticky sticky-${data.color}${selected ? ' sticky-selected' : ''}`} data-note-id={data.noteId} onDoubleClick={() => setEditing(true)}>
      <NodeResizer isVisible={selected} minWidth={120} minHeight={60} color="#a16207" />
      {selected && !editing && (
        <div className="sticky-tools nodrag">
          {NOTE_COLORS.map((c) => (
            <button
              key={c}
              type="button"
              className={`swatch sticky-${c}${c === data.color ? ' current' : ''}`}
              aria-label={`Colour ${c}`}
              aria-pressed={c === data.color}
              onClick={() => store.getState().updateNote(data.noteId, { color: c })}
            />
          ))}
          <button type="button" className="link sticky-edit" onClick={() => setEditing(true)}>Edit</button>
        </div>
      )}
      {editing ? (
        <textarea
          ref={area}
          className="sticky-text nodrag nowheel"
          aria-label="Note text (markdown)"
          value={draft}
          placeholder="Write a note: # heading, **bold**, - list"
          onChange={(e) => setDraft(e.target.value)}
          onBlur={finish}
          onKeyDown={(e) => {
            e.stopPropagation()
            if (e.key === 'Escape' || (e.key === 'Enter' && (e.ctrlKey || e.metaKey))) finish()
          }}
        />
      ) : (
        <div className="sticky-body nowheel" data-testid="note-body">
          {data.text ? <Markdown text={data.text} /> : <p className="muted">Double-click to write.</p>}
        </div>
      )}
    </div>
  )
}

export const StickyNote = memo(StickyNoteView)

/** The notes as flow nodes, selected as the canvas says. */
export function useNoteNodes(selected: string[]): NoteFlowNode[] {
  const notes = useGraph((s) => s.doc.notes)
  return useMemo(
    () =>
      (notes ?? []).map((n) => ({
        id: PREFIX + n.id,
        type: 'note' as const,
        position: n.position,
        width: n.width ?? 240,
        height: n.height ?? 140,
        selected: selected.includes(n.id),
        zIndex: -1,
        data: { noteId: n.id, text: n.text, color: n.color ?? 'yellow' },
      })),
    [notes, selected],
  )
}

/** Applies the changes that are about notes (moves, resizes, selection) and returns the rest. */
export function applyNoteChanges<N extends Node>(changes: NodeChange<N>[], store: GraphStore, selected: string[], setSelected: (ids: string[]) => void): NodeChange<N>[] {
  const rest: NodeChange<N>[] = []
  let selection: Set<string> | null = null
  const g = store.getState()
  for (const change of changes) {
    if (!('id' in change) || !isNoteId(change.id)) {
      rest.push(change)
      continue
    }
    const id = change.id.slice(PREFIX.length)
    if (change.type === 'position' && change.position) {
      g.updateNote(id, { position: { x: Math.round(change.position.x), y: Math.round(change.position.y) } }, !change.dragging)
    } else if (change.type === 'dimensions') {
      const size = change.dimensions
      if (change.setAttributes && size) g.updateNote(id, { width: Math.round(size.width), height: Math.round(size.height) }, change.resizing === false)
      else if (change.resizing === false) g.updateNote(id, {}, true)
    } else if (change.type === 'select') {
      selection ??= new Set(selected)
      if (change.selected) selection.add(id)
      else selection.delete(id)
    }
  }
  if (selection) setSelected([...selection])
  return rest
}
