import { describeDone } from './plain.js'
import { describeReason } from './reason.js'
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

/** A row's latest state: events may arrive before listr2 starts its task, so it is kept until then. */
interface Row {
  /** The node's own title, which every later title starts with. */
  base: string
  title: string
  /** Output lines not yet given to the task: each is set as task.output once, when it arrives. */
  output: string[]
  end?: Terminal
  /** listr2's task, once it started the row; `settle` ends that task. */
  task?: ListrTaskLike
  settle?: (end: Terminal) => void
}

/**
 * Show a running graph under listr2's interactive view: one row per node, side by side as they
 * run concurrently. `run` starts the work with an emit that this view turns into titles and
 * output; engine output goes to task.output, never straight to stdout while the list is drawn.
 * listr2 is loaded only here, only on a terminal.
 */
export async function showWithListr<T>(nodes: NodeView[], run: (emit: Emit) => Promise<T>, also: Emit = () => {}): Promise<T> {
  const { Listr } = await import('listr2')
  const rows = new Map<string, Row>(nodes.map((n) => [n.id, { base: n.title, title: n.title, output: [] }]))
  const list = new Listr(
    nodes.map((n) => ({ title: n.title, rendererOptions: { outputBar: 6, persistentOutput: false }, task: (_: unknown, task: ListrTaskLike) => startRow(rows.get(n.id)!, task) })),
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
    return await run((e) => {
      also(e)
      const row = 'id' in e ? rows.get(e.id) : undefined
      if (row) showEvent(row, e)
    })
  } finally {
    // Rows the work never reached (cancelled by a failure or Ctrl-C) end as failed, so the view closes.
    for (const row of rows.values()) {
      if (!row.end) {
        row.end = { kind: 'fail', message: 'cancelled' }
        applyRow(row)
      }
    }
    await shown
  }
}

/** listr2 started the row's task: it ends when the row does (skipped, done, or failed: rejected). */
function startRow(row: Row, task: ListrTaskLike): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    row.task = task
    row.settle = (end) => {
      if (end.kind === 'skip') {
        task.skip(end.message)
        resolve()
      } else if (end.kind === 'done') {
        task.title = end.title
        resolve()
      } else reject(new Error(end.message))
    }
    applyRow(row)
  })
}

/** An event of the row's node, as its title, its output line, or its end. */
function showEvent(row: Row, e: Event): void {
  const base = row.base
  if (e.type === 'task:start') row.title = `${base}${e.why ? ` (${describeReason(e.why)})` : ''}`
  else if (e.type === 'build:step') row.title = `${base} — ${e.step}`
  else if (e.type === 'build:output') row.output.push(e.line)
  else if (e.type === 'task:skip') row.end = { kind: 'skip', message: `${base} [skipped: ${describeReason(e.reason)}]` }
  else if (e.type === 'task:done') {
    const words = describeDone(e.data, e.ms)
    row.end = { kind: 'done', title: `${base}${words ? `: ${words}` : ''}` }
  } else if (e.type === 'task:fail') row.end = { kind: 'fail', message: e.message }
  applyRow(row)
}

/** The row's state onto its listr2 task, once there is one; an ended row settles it. */
function applyRow(row: Row): void {
  if (!row.task) return
  row.task.title = row.title
  // Every set of task.output is a new line to listr2: each line once, never again on a later event.
  for (const line of row.output.splice(0)) row.task.output = line
  if (row.end && row.settle) row.settle(row.end)
}
