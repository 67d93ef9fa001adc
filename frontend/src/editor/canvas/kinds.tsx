// What kind of step a node type is, for its colour and icon on the canvas: a finer cut than
// the catalog's `category` (Triggers, Actions, Flow, Data), by type where it says more.
import type { ReactNode } from 'react'

export type Kind = 'trigger' | 'action' | 'logic' | 'data' | 'wait' | 'subflow' | 'other'

export const KIND_LABELS: Record<Kind, string> = {
  trigger: 'Triggers',
  action: 'Actions',
  logic: 'Logic & flow',
  data: 'Data',
  wait: 'Wait & human',
  subflow: 'Sub-workflows',
  other: 'Other',
}

export const KIND_ORDER: Kind[] = ['trigger', 'action', 'logic', 'data', 'wait', 'subflow', 'other']

/** The kind's colour: a strong one for the icon and the minimap, a pale one behind the icon. */
export const KIND_COLORS: Record<Kind, { strong: string; pale: string }> = {
  trigger: { strong: '#c2410c', pale: '#ffedd5' },
  action: { strong: '#1d4ed8', pale: '#dbeafe' },
  logic: { strong: '#6d28d9', pale: '#ede9fe' },
  data: { strong: '#0f766e', pale: '#ccfbf1' },
  wait: { strong: '#a16207', pale: '#fef9c3' },
  subflow: { strong: '#be185d', pale: '#fce7f3' },
  other: { strong: '#4b5563', pale: '#f3f4f6' },
}

const BY_TYPE: Record<string, Kind> = {
  wait: 'wait',
  approval: 'wait',
  'workflow.call': 'subflow',
  map: 'subflow',
  transform: 'data',
}

const BY_CATEGORY: Record<string, Kind> = { triggers: 'trigger', actions: 'action', flow: 'logic', data: 'data' }

export function kindOf(type: string, category: string | undefined): Kind {
  if (BY_TYPE[type]) return BY_TYPE[type]
  if (type.startsWith('trigger.')) return 'trigger'
  return BY_CATEGORY[(category ?? '').toLowerCase()] ?? 'other'
}

// Icons: 24x24 strokes, drawn for this editor.
const PATHS: Record<string, ReactNode> = {
  'trigger.manual': <path d="M8 5v14l11-7z" />,
  'trigger.schedule': (
    <>
      <circle cx="12" cy="12" r="8" />
      <path d="M12 7v5l3 2" />
    </>
  ),
  'trigger.webhook': <path d="M13 3 5 14h6l-1 7 8-11h-6z" />,
  'http.request': (
    <>
      <circle cx="12" cy="12" r="8.5" />
      <path d="M3.5 12h17M12 3.5c2.5 2.6 3.5 5.4 3.5 8.5s-1 5.9-3.5 8.5c-2.5-2.6-3.5-5.4-3.5-8.5s1-5.9 3.5-8.5z" />
    </>
  ),
  'email.send': (
    <>
      <rect x="3.5" y="6" width="17" height="12" rx="2" />
      <path d="m4 7 8 6 8-6" />
    </>
  ),
  condition: <path d="M6 4v6a4 4 0 0 0 4 4h8m0 0-3-3m3 3-3 3M6 20v-6" />,
  switch: <path d="M4 12h6m0 0 8-6m-8 6h8m-8 0 8 6m0-12h2m-2 6h2m-2 6h2" />,
  join: <path d="M4 6h5l5 6h6M4 18h5l5-6m3-3 3 3-3 3" />,
  noop: <path d="M5 12h14" />,
  fail: <path d="M12 4 3 20h18zM12 10v4m0 3v.5" />,
  map: <path d="M4 7h10M4 12h10M4 17h10m3-10h3m-3 5h3m-3 5h3" />,
  transform: <path d="M9 5c-2 0-2 2-2 4s-2 3-2 3 2 1 2 3 0 4 2 4m6-14c2 0 2 2 2 4s2 3 2 3-2 1-2 3 0 4-2 4" />,
  wait: <path d="M7 4h10M7 20h10M8 4c0 4 8 4 8 8s-8 4-8 8M16 4c0 4-8 4-8 8s8 4 8 8" />,
  approval: (
    <>
      <circle cx="12" cy="8" r="3.5" />
      <path d="M5 20c0-3.5 3-6 7-6s7 2.5 7 6M15 11l1.5 1.5L20 9" />
    </>
  ),
  'workflow.call': (
    <>
      <rect x="3" y="4" width="8" height="7" rx="1.5" />
      <rect x="13" y="13" width="8" height="7" rx="1.5" />
      <path d="M7 11v5h6" />
    </>
  ),
}

const FALLBACK = <rect x="5" y="5" width="14" height="14" rx="3" />

export function NodeIcon({ type, kind, size = 18 }: { type: string; kind: Kind; size?: number }) {
  const colors = KIND_COLORS[kind]
  return (
    <span className="node-icon" style={{ background: colors.pale, color: colors.strong, width: size + 10, height: size + 10 }} aria-hidden="true">
      <svg width={size} height={size} viewBox="0 0 24 24" fill="none" stroke="currentColor" strokeWidth="2" strokeLinecap="round" strokeLinejoin="round">
        {PATHS[type] ?? FALLBACK}
      </svg>
    </span>
  )
}
