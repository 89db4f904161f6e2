import type { Done, Intent, StageEvent } from '../events.js'
import type { Node } from './execute.js'

/**
 * A node that does one thing and decides nothing: it always runs (tag, smoke, push, a container
 * the user asked for, clean). `describe` is what a dry run says it would do (render/ words it); `run` returns what
 * the task answers (`exitCode`: the command's, for run --, test and manage). `quiet`: the node
 * speaks for itself with its own events (no row: list, run, logs), so views draw nothing for it.
 */
export interface ActionSpec<C, R> {
  id: string
  title: string
  needs?: string[]
  quiet?: boolean
  describe: (ctx: C, deps: Record<string, R | undefined>) => Promise<Intent>
  run: (ctx: C, deps: Record<string, R>, emit: (e: StageEvent) => void) => Promise<{ result: R; data?: Done }>
}

export type ActionNode<C, R> = Node<C, R> & { quiet?: boolean }

export function action<C extends { dryRun?: boolean }, R>(spec: ActionSpec<C, R>): ActionNode<C, R> {
  return {
    id: spec.id,
    title: spec.title,
    needs: spec.needs ?? [],
    quiet: spec.quiet,
    // Described only for a dry run: the words cost engine calls that the run itself makes again.
    check: async (ctx, deps) => (ctx.dryRun ? { run: true, why: { is: 'action', intent: await spec.describe(ctx, deps) } } : { run: true }),
    run: async (ctx, deps, emit) => {
      return spec.run(ctx, deps, emit)
    },
  }
}
