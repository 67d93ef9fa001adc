import { useQuery } from '@tanstack/react-query'
import { lazy, Suspense } from 'react'
import { api } from './api/client'
import { WorkflowList } from './pages/WorkflowList'
import { usePath } from './router'

type Me = { id: number; username: string }

// The editor (React Flow, forms, JSONata) loads when a workflow is opened, not with the list.
const EditorPage = lazy(() => import('./editor/Editor').then((m) => ({ default: m.EditorPage })))

export default function App() {
  const path = usePath()
  const me = useQuery({ queryKey: ['me'], queryFn: () => api<Me>('/api/me/') })
  const editor = path.match(/^\/workflows\/(\d+)\/?$/)
  return (
    <div className={editor ? 'page page-editor' : 'page'}>
      <header className="topbar">
        <a className="brand" href="/">
          <span className="logo">↪</span> Stepwise
        </a>
        <nav>
          <a href="/api/docs/">API docs</a>
          {me.data && <span className="user">{me.data.username}</span>}
          <form method="post" action="/logout/">
            <input type="hidden" name="csrfmiddlewaretoken" value={document.cookie.match(/csrftoken=([^;]+)/)?.[1] ?? ''} />
            <button type="submit" className="link">Sign out</button>
          </form>
        </nav>
      </header>
      {editor ? (
        <Suspense fallback={<div className="content"><p className="muted">Loading the editor…</p></div>}>
          <EditorPage key={editor[1]} workflowId={Number(editor[1])} />
        </Suspense>
      ) : (
        <WorkflowList />
      )}
    </div>
  )
}
