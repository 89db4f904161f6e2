import { UserError, interrupted } from '../errors.js'
import type { Emit, StageEvent } from '../events.js'

/** One node of the build graph (an image, the wheels): what it needs, how to check and run it. */
export interface Node<C, R> {
  id: string
  title: string
  needs: string[]
  /**
   * Decide from the needs' results (undefined for a need that a dry run would rebuild): skip
   * with a result and the reason, or run and say why.
   */
  check: (ctx: C, deps: Record<string, R | undefined>) => Promise<{ skip: R; why: string } | { run: true; why: string }>
  run: (ctx: C, deps: Record<string, R>, emit: (e: StageEvent) => void) => Promise<{ result: R; summary: string; data?: Record<string, unknown> }>
  /** Called (not in a dry run) when check chose to skip: e.g. tag the image that was found. */
  reuse?: (ctx: C, result: R) => Promise<void>
}

export interface ExecuteOptions {
  emit: Emit
  /** Most nodes running at once (checks and waits do not count). */
  concurrency: number
  /** Run every node, whatever check says. */
  force?: boolean
  /** Check every node and report what would happen; run nothing. */
  dryRun?: boolean
}

/** A counting semaphore: at most `n` holders at once. */
export function semaphore(n: number): <T>(fn: () => Promise<T>) => Promise<T> {
  let active = 0
  const queue: (() => void)[] = []
  return async (fn) => {
    // A released slot passes straight to the next waiter (active stays as it is), so a caller
    // arriving in between cannot take it too.
    if (active >= n) await new Promise<void>((resolve) => queue.push(resolve))
    else active++
    try {
      return await fn()
    } finally {
      const next = queue.shift()
      if (next) next()
      else active--
    }
  }
}

/**
 * Run a graph the way `docker buildx bake` does: every node starts at once and awaits its needs'
 * (memoized) results; independent nodes build side by side up to `concurrency`; the first failure
 * aborts the rest through one AbortController. Returns each node's result (undefined when a dry
 * run would have run it).
 */
export async function execute<C extends { signal: AbortSignal }, R>(nodes: Node<C, R>[], ctx: C, opts: ExecuteOptions): Promise<Map<string, R | undefined>> {
  const byId = new Map(nodes.map((n) => [n.id, n]))
  for (const n of nodes) {
    for (const need of n.needs) if (!byId.has(need)) throw new Error(`node ${n.id} needs unknown node ${need}`)
  }
  topoOrder(nodes) // a cycle would wait forever: refuse it up front, by name
  const controller = new AbortController()
  const onOuterAbort = () => controller.abort(ctx.signal.reason)
  if (ctx.signal.aborted) onOuterAbort()
  ctx.signal.addEventListener('abort', onOuterAbort, { once: true })
  const inner: C = { ...ctx, signal: controller.signal }
  const limit = semaphore(Math.max(1, opts.concurrency))
  const results = new Map<string, Promise<R | undefined>>()
  let firstError: unknown
  // The first failure cancels everything still running; later ones are its consequences.
  const fail = (e: unknown) => {
    if (firstError !== undefined) return
    firstError = e
    controller.abort('failed')
  }

  const ensure = (id: string): Promise<R | undefined> => {
    let p = results.get(id)
    if (p) return p
    const node = byId.get(id)!
    p = (async () => {
      const deps: Record<string, R | undefined> = {}
      for (const [need, r] of await Promise.all(node.needs.map(async (n) => [n, await ensure(n)] as const))) deps[need] = r
      if (controller.signal.aborted) throw interrupted(controller.signal)
      const checked = Date.now()
      let decision: Awaited<ReturnType<typeof node.check>>
      try {
        decision = await node.check(inner, deps)
        if ('skip' in decision && !opts.force && !opts.dryRun) await node.reuse?.(inner, decision.skip)
      } catch (e) {
        opts.emit({ type: 'task:fail', id, title: node.title, message: (e as Error).message, ms: Date.now() - checked })
        throw e
      }
      if ('skip' in decision && !opts.force) {
        if (opts.dryRun) opts.emit({ type: 'plan', id, title: node.title, action: 'skip', why: decision.why })
        else opts.emit({ type: 'task:skip', id, title: node.title, reason: decision.why })
        return decision.skip
      }
      const why = opts.force ? '--force' : decision.why
      if (opts.dryRun) {
        opts.emit({ type: 'plan', id, title: node.title, action: 'run', why })
        return undefined
      }
      return limit(async () => {
        if (controller.signal.aborted) throw interrupted(controller.signal)
        const started = Date.now()
        opts.emit({ type: 'task:start', id, title: node.title, why })
        try {
          const { result, summary, data } = await node.run(inner, deps as Record<string, R>, (e) =>
            opts.emit(e.type === 'build:step' ? { type: 'build:step', id, step: e.step } : { type: 'build:output', id, line: e.line }),
          )
          opts.emit({ type: 'task:done', id, title: node.title, summary, ms: Date.now() - started, ...(data ? { data } : {}) })
          return result
        } catch (e) {
          const cancelled = controller.signal.aborted && firstError !== undefined
          opts.emit({ type: 'task:fail', id, title: node.title, message: cancelled ? 'cancelled' : (e as Error).message, ms: Date.now() - started })
          fail(e) // before the slot is released: a node waiting for it must see the abort
          throw e
        }
      })
    })()
    p.catch(fail)
    results.set(id, p)
    return p
  }

  try {
    await Promise.allSettled(nodes.map((n) => ensure(n.id)))
    // An interrupt is the cause of whatever failed after it: report the interrupt.
    if (ctx.signal.aborted) throw interrupted(ctx.signal)
    if (firstError !== undefined) throw firstError
    const out = new Map<string, R | undefined>()
    for (const [id, p] of results) out.set(id, await p)
    return out
  } finally {
    ctx.signal.removeEventListener('abort', onOuterAbort)
  }
}

/** Nodes in an order where needs come first (for listing and plain output). */
export function topoOrder<C, R>(nodes: Node<C, R>[]): Node<C, R>[] {
  const byId = new Map(nodes.map((n) => [n.id, n]))
  const seen = new Set<string>()
  const out: Node<C, R>[] = []
  const visit = (id: string, path: string[]) => {
    if (seen.has(id)) return
    if (path.includes(id)) throw new UserError(`dependency cycle: ${[...path.slice(path.indexOf(id)), id].join(' → ')}`)
    for (const need of byId.get(id)!.needs) visit(need, [...path, id])
    seen.add(id)
    out.push(byId.get(id)!)
  }
  for (const n of nodes) visit(n.id, [])
  return out
}
