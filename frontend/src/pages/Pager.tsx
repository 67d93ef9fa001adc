// Newer / older pages of a list the API pages (`count` results, `size` a page), newest first.
// `more`: the count stopped there (a long history is not counted further, count_capped),
// so the last page is not known and Older stays on while there is a next page.
export function Pager({ page, count, size, onPage, more = false }: { page: number; count: number; size: number; onPage: (page: number) => void; more?: boolean }) {
  const pages = Math.max(1, Math.ceil(count / size))
  return (
    <div className="pager">
      <button type="button" className="secondary" disabled={page <= 1} onClick={() => onPage(page - 1)}>← Newer</button>
      <span className="muted">{more ? `page ${page} of more than ${pages}` : `page ${page} of ${pages}`}</span>
      <button type="button" className="secondary" disabled={!more && page >= pages} onClick={() => onPage(page + 1)}>Older →</button>
    </div>
  )
}
