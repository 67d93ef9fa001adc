// Small line icons for the list's row actions (the system fonts lack some symbols).
const PATHS = {
  rename: 'M4 20h4L18.5 9.5a2.1 2.1 0 0 0-4-4L4 16v4z M13.5 6.5l4 4',
  tags: 'M3 12V4h8l9 9-8 8-9-9z M7.5 7.5h.01',
  duplicate: 'M9 9h11v11H9z M5 15H4V4h11v1',
  export: 'M12 4v11 M7 10l5 5 5-5 M5 20h14',
  delete: 'M4 7h16 M10 11v6 M14 11v6 M6 7l1 13h10l1-13 M9 7V4h6v3',
} as const

export function Icon({ name }: { name: keyof typeof PATHS }) {
  return (
    <svg width="16" height="16" viewBox="0 0 24 24" fill="none" stroke="currentColor" strokeWidth="2" strokeLinecap="round" strokeLinejoin="round" aria-hidden="true">
      <path d={PATHS[name]} />
    </svg>
  )
}
