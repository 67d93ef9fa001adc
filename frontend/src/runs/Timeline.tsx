// The run as a Gantt chart, in a table: one row per step in order of start (its name, the id
// as its title, its status), a bar per attempt coloured by how it ended (timelineModel.ts),
// the time a step waited hatched, reused steps as a mark at the run's start, a person's fixes
// (✎) at their time, one time axis with round ticks and a line at each resume of the run.
// Zoom: the buttons, Ctrl+wheel (around the pointer) and "Fit"; the names stay in view.
import { useEffect, useLayoutEffect, useRef, useState } from 'react'
import { FixMark } from './FixStep'
import { formatSpan, kindsDrawn, LEGEND, stepRows, tickStep, ticks, type Resume } from './timelineModel'
import type { RunStep } from './types'

const LABEL = 230
// The time axis sits inset in its column, so that a mark at either end is never cut off.
const PAD_L = 8
const PAD_R = 16
const MAX_ZOOM = 256

const ms = (value: string | null | undefined): number | null => (value ? new Date(value).getTime() : null)

interface Props {
  steps: RunStep[]
  names: Map<string, string>
  runStartedAt: string | null
  resumes: Resume[]
  selected: string | null
  onSelect: (node: string) => void
}

export function Timeline({ steps, names, runStartedAt, resumes, selected, onSelect }: Props) {
  const [zoom, setZoom] = useState(1)
  const [width, setWidth] = useState(900)
  const scroller = useRef<HTMLDivElement>(null)
  const anchor = useRef<{ fraction: number; pointer: number } | null>(null)
  const now = Date.now()
  const runStart = ms(runStartedAt)
  const rows = stepRows(steps, runStart, now)

  useEffect(() => {
    const el = scroller.current
    if (!el) return
    const observer = new ResizeObserver(() => setWidth(el.clientWidth))
    observer.observe(el)
    setWidth(el.clientWidth)
    const onWheel = (e: WheelEvent) => {
      if (!e.ctrlKey && !e.metaKey) return
      e.preventDefault()
      const box = el.getBoundingClientRect()
      const pointer = Math.max(e.clientX - box.left - LABEL, 0)
      const content = el.scrollWidth - LABEL
      anchor.current = { fraction: (el.scrollLeft + pointer) / Math.max(content, 1), pointer }
      setZoom((z) => Math.min(Math.max(z * (e.deltaY < 0 ? 1.25 : 0.8), 1), MAX_ZOOM))
    }
    el.addEventListener('wheel', onWheel, { passive: false })
    return () => {
      observer.disconnect()
      el.removeEventListener('wheel', onWheel)
    }
  }, [rows.length > 0])

  useLayoutEffect(() => {
    const el = scroller.current
    const at = anchor.current
    anchor.current = null
    if (el && at) el.scrollLeft = at.fraction * (el.scrollWidth - LABEL) - at.pointer
  }, [zoom])

  const starts = rows.flatMap((r) => r.bars.map((b) => b.start))
  if (!rows.length || !starts.length) return <p className="muted">Nothing has run yet.</p>
  const t0 = Math.min(...starts, ...(runStart !== null ? [runStart] : []))
  const ends = rows.flatMap((r) => [...r.bars.map((b) => b.end), ...r.fixes.map((f) => ms(f.at) ?? t0)])
  const resumeTimes = resumes.map((r) => ms(r.at) ?? t0)
  const t1 = Math.max(...ends, ...resumeTimes, t0 + 1)
  const span = t1 - t0
  const pct = (t: number) => `${(((t - t0) / span) * 100).toFixed(4)}%`
  const track = Math.max((width - LABEL - PAD_L - PAD_R) * zoom, 100)
  const step = tickStep(span, track / 110)
  const axis = ticks(span, step)
  const drawn = kindsDrawn(rows)
  const zoomBy = (factor: number) => setZoom((z) => Math.min(Math.max(z * factor, 1), MAX_ZOOM))

  return (
    <section className="gantt" aria-label="Timeline">
      <div className="gantt-controls" role="group" aria-label="Zoom">
        <button type="button" className="secondary small" aria-label="Zoom out" disabled={zoom <= 1} onClick={() => zoomBy(0.5)}>−</button>
        <span className="gantt-zoom small" data-testid="timeline-zoom" aria-live="polite">{Math.round(zoom * 100)}%</span>
        <button type="button" className="secondary small" aria-label="Zoom in" disabled={zoom >= MAX_ZOOM} onClick={() => zoomBy(2)}>+</button>
        <button type="button" className="secondary small" disabled={zoom === 1} onClick={() => setZoom(1)}>Fit</button>
        <span className="muted small">Ctrl + wheel zooms around the pointer · total {formatSpan(span)}</span>
      </div>
      <div className="gantt-scroll" ref={scroller}>
        <div className="gantt-canvas" style={{ width: `calc(${LABEL}px + (100% - ${LABEL}px) * ${zoom})` }}>
          <div className="gantt-overlay" style={{ left: LABEL + PAD_L, right: PAD_R }} aria-hidden="true">
            {axis.map((t) => <span key={`grid-${t}`} className="gantt-grid" style={{ left: pct(t0 + t) }} />)}
            {resumes.map((_, i) => <span key={`resume-${i}`} className="gantt-resume-line" data-testid="gantt-resume" style={{ left: pct(resumeTimes[i]) }} />)}
          </div>
          <table className="gantt-table">
            <colgroup>
              <col style={{ width: LABEL }} />
              <col />
            </colgroup>
            <thead>
              <tr>
                <th scope="col" className="gantt-head-label">Step</th>
                <th scope="col" className="gantt-axis" data-testid="timeline-axis" data-step={step}>
                  <span className="gantt-sr">Time since the run started</span>
                  <div className="gantt-axis-in" style={{ left: PAD_L, right: PAD_R }} aria-hidden="true">
                  {axis.map((t) => {
                    const at = (t / span) * 100
                    const shift = at < 2 ? '0' : at > 96 ? '-100%' : '-50%'
                    return <span key={t} className="gantt-tick" style={{ left: pct(t0 + t), transform: `translateX(${shift})` }}>{formatSpan(t)}</span>
                  })}
                  {resumes.map((r, i) => (
                    <span
                      key={`resume-label-${i}`}
                      className="gantt-resume-label"
                      data-testid="gantt-resume-label"
                      style={{ left: pct(resumeTimes[i]), transform: (resumeTimes[i] - t0) / span > 0.85 ? 'translateX(calc(-100% - 4px))' : undefined }}
                      title={`${r.how === 'fix' ? `fixed ${r.node_id ?? ''} and resumed` : 'retried from failure'}${r.by ? ` by ${r.by}` : ''} at ${new Date(r.at).toLocaleTimeString()}`}
                    >
                      ↻ {r.how === 'fix' ? 'fix' : 'retry'}
                    </span>
                  ))}
                  </div>
                </th>
              </tr>
            </thead>
            <tbody>
              {rows.map(({ step: s, bars, fixes }) => {
                const name = names.get(s.node_id) || s.node_id
                const reused = s.reused_from_run != null
                return (
                  <tr key={`${s.node_id}-${s.iteration}`} className={`gantt-row${selected === s.node_id ? ' selected' : ''}`} data-node={s.node_id} onClick={() => onSelect(s.node_id)}>
                    <th scope="row" className="gantt-label">
                      <div className="gantt-label-in">
                      <button type="button" className="gantt-name" title={s.node_id} aria-pressed={selected === s.node_id} onClick={(e) => { e.stopPropagation(); onSelect(s.node_id) }}>
                        {s.compensates ? <span title={`compensates ${s.compensates}`}>↺ </span> : null}
                        {name}
                      </button>
                      {reused ? (
                        <span className="badge badge-reused" data-testid="reused-badge">reused #{s.reused_from_run}</span>
                      ) : (
                        <span className={`badge badge-${s.status}`}>{s.status}</span>
                      )}
                      </div>
                    </th>
                    <td className="gantt-track-cell">
                      <div className="gantt-track" style={{ marginLeft: PAD_L, marginRight: PAD_R }}>
                        {bars.map((b, i) => (
                          <span
                            key={`${b.kind}-${i}`}
                            className={`gantt-bar gantt-${b.kind}${b.attempt ? ' gantt-attempt' : ''}${b.start === b.end ? ' gantt-mark' : ''}`}
                            data-kind={b.kind}
                            style={{ left: pct(b.start), width: b.start === b.end ? undefined : `${(((b.end - b.start) / span) * 100).toFixed(4)}%` }}
                            title={b.title}
                          />
                        ))}
                        {fixes.map((f, i) => <FixMark key={`fix-${i}`} entry={f} left={pct(ms(f.at) ?? t0)} />)}
                      </div>
                    </td>
                  </tr>
                )
              })}
            </tbody>
          </table>
        </div>
      </div>
      <ul className="gantt-legend muted small" aria-label="Legend">
        {drawn.map((kind) => (
          <li key={kind} data-kind={kind}><span className={`key gantt-${kind}`} aria-hidden="true" /> {LEGEND[kind]}</li>
        ))}
        {resumes.length > 0 && <li data-mark="resume"><span className="key-line" aria-hidden="true" /> resumed after a failure</li>}
        {rows.some((r) => r.fixes.length) && <li data-mark="fix"><span aria-hidden="true">✎</span> fixed by a person</li>}
        {rows.some((r) => r.step.compensates) && <li data-mark="compensation"><span aria-hidden="true">↺</span> compensation</li>}
      </ul>
    </section>
  )
}
