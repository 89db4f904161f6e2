import type { Emit } from '../events.js'
import type { NodeResult } from '../pipeline/image-graph.js'

/** What an action node returns when it has nothing to hand on: no image, no inputs. */
export const done = (exitCode?: number): NodeResult => ({ id: '', inputs: {}, ...(exitCode === undefined ? {} : { exitCode }) })

/** The task's exit code: the first command that failed (run --, test, manage), else 0. */
export function exitCodeOf(results: Map<string, NodeResult | undefined>): number {
  for (const r of results.values()) if (r?.exitCode) return r.exitCode
  return 0
}

/** The nodes that speak through their own events (action nodes marked quiet): views draw no row for them. */
export function quietIds(nodes: { id: string; quiet?: boolean }[]): Set<string> {
  return new Set(nodes.filter((n) => n.quiet).map((n) => n.id))
}

/** `emit` without a quiet node's start, done, skip and fail events; its dry-run verdict (`plan`) stays. */
export function withoutQuiet(quiet: Set<string>, emit: Emit): Emit {
  return (e) => (e.type !== 'plan' && 'id' in e && quiet.has(e.id) ? undefined : emit(e))
}
