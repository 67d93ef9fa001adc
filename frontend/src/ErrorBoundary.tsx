// One screen's error boundary (App.tsx wraps each page in one, keyed by the path): a screen
// that throws while rendering shows what failed, a "Try again" that renders it anew and a
// link to the list, while the top bar around it keeps working.
import { Component, type ErrorInfo, type ReactNode } from 'react'
import { navigate } from './router'

interface Props {
  children: ReactNode
  /** What the screen is, for the sentence ("the editor", "this run"). */
  screen?: string
  /** Called by Try again before the screen renders anew (App forgets the screen's reads). */
  onRetry?: () => void
}

interface State {
  error: Error | null
}

export class ErrorBoundary extends Component<Props, State> {
  state: State = { error: null }

  static getDerivedStateFromError(thrown: unknown): State {
    return { error: thrown instanceof Error ? thrown : new Error(String(thrown)) }
  }

  componentDidCatch(error: Error, info: ErrorInfo) {
    console.error(`The screen failed: ${error.message}`, info.componentStack)
  }

  retry = () => {
    this.props.onRetry?.()
    this.setState({ error: null })
  }

  render() {
    const { error } = this.state
    if (!error) return this.props.children
    return <ScreenError screen={this.props.screen} message={error.message} onRetry={this.retry} />
  }
}

export function ScreenError({ screen, message, onRetry }: { screen?: string; message: string; onRetry: () => void }) {
  return (
    <main className="content">
      <div className="error screen-error" role="alert" data-testid="screen-error">
        <h2>Something went wrong in {screen ?? 'this screen'}.</h2>
        <p>
          What failed: <code>{message || 'an error without a message'}</code>
        </p>
        <p className="screen-error-actions">
          <button type="button" onClick={onRetry}>Try again</button>
          <a href="/" onClick={(e) => { e.preventDefault(); navigate('/') }}>Back to the list of workflows</a>
        </p>
      </div>
    </main>
  )
}
