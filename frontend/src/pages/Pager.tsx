// Newer / older pages of a list the API pages (`count` results, `size` a page), newest first.
export function Pager({ page, count, size, onPage }: { page: number; count: number; size: number; onPage: (page: number) => void }) {
  const pages = Math.max(1, Math.ceil(count / size))
  return (
    <div className="pager">
      <button type="button" className="secondary" disabled={page <= 1} onClick={() => onPage(page - 1)}>← Newer</button>
      <span className="muted">page {page} of {pages}</span>
      <button type="button" className="secondary" disabled={page >= pages} onClick={() => onPage(page + 1)}>Older →</button>
    </div>
  )
}
