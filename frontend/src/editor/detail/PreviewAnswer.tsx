// What the server said of one expression's preview (usePreviews): waiting, refused, its
// value, or its error with where it is. The side panel and the detail view show it alike.
import type { PreviewState } from './usePreviews'

export function PreviewAnswer({ state }: { state: PreviewState }) {
  const error = state.kind === 'done' ? state.result.error : undefined
  return (
    <>
      {state.kind === 'pending' && <span className="muted">…</span>}
      {state.kind === 'refused' && <span className="muted preview-refused" data-testid="preview-refused">{state.message}</span>}
      {state.kind === 'done' && !error && (
        <code className="preview-value" data-testid="preview-value">{JSON.stringify(state.result.value ?? null)}</code>
      )}
      {error && (
        <span className="preview-error" data-testid="preview-error">
          {error.message}
          {(error.position != null || error.code) && (
            <span className="preview-where"> ({[error.position != null && `at character ${error.position}`, error.code].filter(Boolean).join(', ')})</span>
          )}
        </span>
      )}
    </>
  )
}
