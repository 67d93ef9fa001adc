import { renderToStaticMarkup } from 'react-dom/server'
import { describe, expect, it } from 'vitest'
import { Markdown } from './markdown'

const html = (text: string) => renderToStaticMarkup(<Markdown text={text} />)

describe('sticky note markdown', () => {
  it('renders headings, lists and inline marks', () => {
    expect(html('# Title\nSome **bold** and *it* and `x`\n\n- a\n- b\n1. one')).toBe(
      '<h3>Title</h3><p>Some <strong>bold</strong> and <em>it</em> and <code>x</code></p><ul><li>a</li><li>b</li></ul><ol><li>one</li></ol>',
    )
  })
  it('never renders markup from the text', () => {
    const out = html('<img src=x onerror=alert(1)> <script>alert(2)</script>')
    expect(out).not.toContain('<img')
    expect(out).not.toContain('<script')
    expect(out).toContain('&lt;img')
  })
  it('links only to http(s)', () => {
    expect(html('[ok](https://example.com) [bad](javascript:alert`1`)')).toBe(
      '<p><a href="https://example.com" target="_blank" rel="noreferrer noopener">ok</a> bad</p>',
    )
  })
})
