// The template gallery: workflows shipped with the product, as cards by category. Choosing
// one makes a workflow of yours from it and opens it in the editor. `TemplateGallery` is the
// cards alone (for the editor's empty canvas); `TemplateGalleryDialog` puts them in a dialog.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { ApiError, call, client } from '../api/client'
import { navigate } from '../router'

export const useTemplates = () => useQuery({ queryKey: ['templates'], queryFn: () => call(client.GET('/api/templates/')), staleTime: Infinity })

export function useUseTemplate() {
  const queryClient = useQueryClient()
  return useMutation({
    mutationFn: (slug: string) => call(client.POST('/api/templates/{slug}/use/', { params: { path: { slug } }, body: {} })),
    onSuccess: () => void queryClient.invalidateQueries({ queryKey: ['workflows'] }),
  })
}

export function TemplateGallery({ onUsed }: { onUsed?: (workflowId: number) => void }) {
  const templates = useTemplates()
  const use = useUseTemplate()
  const choose = (slug: string) =>
    use
      .mutateAsync(slug)
      .then((wf) => {
        onUsed?.(wf.id)
        navigate(`/workflows/${wf.id}`)
      })
      .catch(() => {}) // shown from use.error
  const error = use.error ?? templates.error
  const list = templates.data ?? []
  return (
    <div className="gallery">
      {templates.isLoading && <p className="muted">Loading templates…</p>}
      {error && <p className="error" role="alert">{error instanceof ApiError ? error.message : String(error)}</p>}
      <ul className="gallery-cards">
        {list.map((t) => (
          <li key={t.slug} className="template-card" data-template={t.slug}>
            <span className="template-category">{t.category}</span>
            <h4>{t.name}</h4>
            <p>{t.description}</p>
            <p className="template-meta">
              {`${t.node_types.length} steps`}
              {t.credentials.length > 0 && ` · choose ${t.credentials.length === 1 ? 'a credential' : `${t.credentials.length} credentials`}`}
              {t.subworkflows > 0 && ` · makes ${t.subworkflows} helper workflow${t.subworkflows > 1 ? 's' : ''}`}
            </p>
            <button type="button" disabled={use.isPending} onClick={() => void choose(t.slug)} aria-label={`Use template ${t.name}`}>
              Use template
            </button>
          </li>
        ))}
      </ul>
    </div>
  )
}

export function TemplateGalleryDialog({ onClose }: { onClose: () => void }) {
  return (
    <div className="backdrop" onClick={onClose}>
      <div className="dialog gallery-dialog" role="dialog" aria-label="Start from a template" onClick={(e) => e.stopPropagation()}>
        <div className="row">
          <h2>Start from a template</h2>
          <button type="button" className="link" onClick={onClose} aria-label="Close">✕</button>
        </div>
        <TemplateGallery onUsed={onClose} />
      </div>
    </div>
  )
}
