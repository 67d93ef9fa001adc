// The screen's error boundary as React drives it: the error a child throws becomes its state
// (getDerivedStateFromError), and its render then shows the message, Try again and the link
// to the list instead of the child; cleared, it renders the child again. (The tests run
// without a DOM, where React's server renderer never uses boundaries; tests/e2e/
// test_editor_safety.py sees one catch a real screen's error in Chromium.)
import { renderToStaticMarkup } from 'react-dom/server'
import { describe, expect, it } from 'vitest'
import { ErrorBoundary } from './ErrorBoundary'

function Broken(): never {
  // What a graph without positions did to the canvas.
  throw new TypeError("Cannot read properties of undefined (reading 'x')")
}

function thrownBy(render: () => unknown): unknown {
  try {
    render()
  } catch (err) {
    return err
  }
  throw new Error('it did not throw')
}

describe('ErrorBoundary', () => {
  it('turns what a child throws into the screen’s error, with the message, Try again and the list', () => {
    const boundary = new ErrorBoundary({ children: <Broken />, screen: 'the editor' })
    boundary.state = ErrorBoundary.getDerivedStateFromError(thrownBy(() => Broken()))
    const html = renderToStaticMarkup(<>{boundary.render()}</>)
    expect(html).toContain('Something went wrong in the editor.')
    expect(html).toContain('Cannot read properties of undefined (reading &#x27;x&#x27;)')
    expect(html).toContain('>Try again</button>')
    expect(html).toContain('href="/"')
    expect(html).toContain('role="alert"')
  })

  it('takes a thrown value that is not an Error too', () => {
    expect(ErrorBoundary.getDerivedStateFromError('plain text').error?.message).toBe('plain text')
  })

  it('renders its children while there is no error, and the rest of the page around it', () => {
    const boundary = new ErrorBoundary({ children: <p>the screen</p> })
    const html = renderToStaticMarkup(
      <div>
        <header>top bar</header>
        <ErrorBoundary><p>the screen</p></ErrorBoundary>
      </div>,
    )
    expect(html).toBe('<div><header>top bar</header><p>the screen</p></div>')
    expect(renderToStaticMarkup(<>{boundary.render()}</>)).toBe('<p>the screen</p>')
  })
})
