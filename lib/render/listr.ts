import type { Emit, Event, Stage } from './events.js'
import { runStage } from './run-stages.js'

/**
 * Run stages under listr2's interactive view. listr2 is loaded only here, only on a TTY. Engine
 * output goes to task.output (never straight to stdout while the list is drawn); each task's
 * title becomes its summary when it finishes.
 */
export async function runWithListr<C>(stages: Stage<C>[], ctx: C, emit: Emit): Promise<void> {
  const { Listr } = await import('listr2')
  const list = new Listr(
    stages.map((stage) => ({
      title: stage.title,
      rendererOptions: { outputBar: 6, persistentOutput: false },
      task: async (_: unknown, task: { title: string; output: string; skip(msg?: string): void }) => {
        const forward: Emit = (e: Event) => {
          emit(e)
          if (e.type === 'task:skip') task.skip(`${stage.title} [skipped: ${e.reason}]`)
          else if (e.type === 'task:done') task.title = `${stage.title}${e.summary ? `: ${e.summary}` : ''}`
        }
        await runStage(stage, ctx, forward, (e) => {
          if (e.type === 'build:step') task.title = `${stage.title} — ${e.step}`
          else task.output = e.line
        })
      },
    })),
    {
      concurrent: false,
      exitOnError: true,
      // Ctrl-C belongs to cli.ts: it aborts the run's signal so containers are removed in `finally`.
      registerSignalListeners: false,
      // The error is printed once, by cli.ts, with its details and hint.
      rendererOptions: { collapseSubtasks: false, showErrorMessage: false },
    },
  )
  await list.run()
}
