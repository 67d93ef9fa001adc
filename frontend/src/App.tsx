import { useQuery, useQueryClient } from '@tanstack/react-query'
import { lazy, Suspense } from 'react'
import { call, client } from './api/client'
import { ErrorBoundary } from './ErrorBoundary'
import { WorkflowList } from './pages/WorkflowList'
import { navigate, usePath } from './router'

// The editor (React Flow, forms, JSONata) loads when a workflow is opened, not with the list.
const EditorPage = lazy(() => import('./editor/Editor').then((m) => ({ default: m.EditorPage })))
const RunPage = lazy(() => import('./runs/RunView').then((m) => ({ default: m.RunPage })))
const RunList = lazy(() => import('./pages/RunList').then((m) => ({ default: m.RunList })))
const AccountPage = lazy(() => import('./pages/Account').then((m) => ({ default: m.AccountPage })))
const CredentialsPage = lazy(() => import('./credentials/CredentialsPage').then((m) => ({ default: m.CredentialsPage })))
const ActivityList = lazy(() => import('./pages/ActivityList').then((m) => ({ default: m.ActivityList })))

const loading = <div className="content"><p className="muted">Loading…</p></div>

export default function App() {
  const path = usePath()
  const queryClient = useQueryClient()
  // Try again reads the screen's data anew (what it read may be what broke it); the top bar's stays.
  const forget = () => void queryClient.resetQueries({ predicate: (q) => q.queryKey[0] !== 'me' })
  const me = useQuery({ queryKey: ['me'], queryFn: () => call(client.GET('/api/me/')) })
  const editor = path.match(/^\/workflows\/(\d+)\/?$/)
  const workflowRuns = path.match(/^\/workflows\/(\d+)\/runs\/?$/)
  const run = path.match(/^\/runs\/(\d+)\/?$/)
  const runs = /^\/runs\/?$/.test(path)
  const account = /^\/account\/?$/.test(path)
  const credentials = /^\/credentials\/?$/.test(path)
  const workflowActivity = path.match(/^\/workflows\/(\d+)\/activity\/?$/)
  const activity = /^\/activity\/?$/.test(path)
  let page: React.ReactNode = <WorkflowList />
  let screen = 'the list of workflows'
  if (editor) [page, screen] = [<EditorPage key={editor[1]} workflowId={Number(editor[1])} />, 'the editor']
  else if (run) [page, screen] = [<RunPage key={run[1]} runId={Number(run[1])} />, 'this run']
  else if (workflowRuns) [page, screen] = [<RunList key={workflowRuns[1]} workflowId={Number(workflowRuns[1])} />, 'the runs of this workflow']
  else if (runs) [page, screen] = [<RunList />, 'the list of runs']
  else if (account) [page, screen] = [<AccountPage username={me.data?.username} />, 'your account']
  else if (credentials) [page, screen] = [<CredentialsPage />, 'the credentials']
  else if (workflowActivity) [page, screen] = [<ActivityList key={workflowActivity[1]} workflowId={Number(workflowActivity[1])} />, 'the activity of this workflow']
  else if (activity) [page, screen] = [<ActivityList />, 'the activity log']
  return (
    <div className={editor || run ? 'page page-editor' : 'page'}>
      <header className="topbar">
        <a className="brand" href="/" onClick={(e) => { e.preventDefault(); navigate('/') }}>
          <span className="logo">↪</span> Stepwise
        </a>
        <nav>
          <a href="/" onClick={(e) => { e.preventDefault(); navigate('/') }}>Workflows</a>
          <a href="/runs" onClick={(e) => { e.preventDefault(); navigate('/runs') }}>Runs</a>
          <a href="/credentials" onClick={(e) => { e.preventDefault(); navigate('/credentials') }}>Credentials</a>
          <a href="/activity" onClick={(e) => { e.preventDefault(); navigate('/activity') }}>Activity</a>
          <a href="/api/docs/">API docs</a>
          <a href="/account" onClick={(e) => { e.preventDefault(); navigate('/account') }}>Account</a>
          {me.data && <span className="user">{me.data.username}</span>}{me.data && <span className="version muted" style={{ fontSize: 12 }} title="Stepwise version">v{me.data.version}</span>}
          <form method="post" action="/logout/">
            <input type="hidden" name="csrfmiddlewaretoken" value={document.cookie.match(/csrftoken=([^;]+)/)?.[1] ?? ''} />
            <button type="submit" className="link">Sign out</button>
          </form>
        </nav>
      </header>
      {/* One boundary per screen, anew for each path: a screen that throws leaves the top bar working. */}
      <ErrorBoundary key={path} screen={screen} onRetry={forget}>
        <Suspense fallback={loading}>{page}</Suspense>
      </ErrorBoundary>
    </div>
  )
}
