import type { Emit, Event } from '../events.js'

interface NodeView {
  id: string
  title: string
}

type Terminal = { kind: 'done'; title: string } | { kind: 'skip'; message: string } | { kind: 'fail'; message: string }

interface ListrTaskLike {
  title: string
  output: string
  skip(message?: string): void
}

/**
 * Show a running graph under listr2's interactive view: one row per node, side by side as they
 * run concurrently. `run` starts the work with an emit that this view turns into titles and
 * output; engine output goes to task.output, never straight to stdout while the list is drawn.
 * listr2 is loaded only here, only on a terminal.
 */
export async function showWithListr<T>(nodes: NodeView[], run: (emit: Emit) => Promise<T>, also: Emit = () => {}): Promise<T> {
  const { Listr } = await import('listr2')
  // Events may arrive before listr2 starts a row's task: keep each row's latest state until then.
  const state = new Map<string, { title: string; output?: string; end?: Terminal; task?: ListrTaskLike; settle?: (t: Terminal) => void }>()
  for (const n of nodes) state.set(n.id, { title: n.title })
  const apply = (id: string) => {
    const s = state.get(id)!
    if (!s.task) return
    s.task.title = s.title
    if (s.output) s.task.output = s.output
    if (s.end && s.settle) s.settle(s.end)
  }
  const emit: Emit = (e: Event) => {
    also(e)
    if (!('id' in e)) return
    const s = state.get(e.id)
    if (!s) return
    const base = nodes.find((n) => n.id === e.id)!.title
    if (e.type === 'task:start') s.title = `${base}${e.why ? ` (${e.why})` : ''}`
    else if (e.type === 'build:step') s.title = `${base} — ${e.step}`
    else if (e.type === 'build:output') s.output = e.line
    else if (e.type === 'task:skip') s.end = { kind: 'skip', message: `${base} [skipped: ${e.reason}]` }
    else if (e.type === 'task:done') s.end = { kind: 'done', title: `${base}${e.summary ? `: ${e.summary}` : ''}` }
    else if (e.type === 'task:fail') s.end = { kind: 'fail', message: e.message }
    apply(e.id)
  }
  const list = new Listr(
    nodes.map((n) => ({
      title: n.title,
      rendererOptions: { outputBar: 6, persistentOutput: false },
      task: (_: unknown, task: ListrTaskLike) =>
        new Promise<void>((resolve, reject) => {
          const s = state.get(n.id)!
          s.task = task
          s.settle = (end) => {
            if (end.kind === 'skip') {
              task.skip(end.message)
              resolve()
            } else if (end.kind === 'done') {
              task.title = end.title
              resolve()
            } else reject(new Error(end.message))
          }
          apply(n.id)
        }),
    })),
    {
      concurrent: true,
      exitOnError: false,
      // Ctrl-C belongs to cli.ts: it aborts the run's signal so containers are removed in `finally`.
      registerSignalListeners: false,
      // The error is printed once, by cli.ts, with its details and hint.
      rendererOptions: { collapseSubtasks: false, showErrorMessage: false },
    },
  )
  const shown = list.run().catch(() => undefined) // failures are reported by `run`'s rejection
  try {
    return await run(emit)
  } finally {
    // Rows the work never reached (cancelled by a failure or Ctrl-C) end as failed, so the view closes.
    for (const [id, s] of state) {
      if (!s.end) {
        s.end = { kind: 'fail', message: 'cancelled' }
        apply(id)
      }
    }
    await shown
  }
}
