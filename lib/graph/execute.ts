import { UserError, interrupted } from '../errors.js'
import type { Done, Emit, Reason, StageEvent } from '../events.js'

/**
 * What a node's check decided: skip with a result, or run; either way with the `plan` it worked out
 * (what to build, from which inputs), which run() receives — under --force a skipped node runs too.
 */
export type Decision<R> = { skip: R; why: Reason; plan?: unknown } | { run: true; why?: Reason; plan?: unknown }

/** One node of the build graph (an image, the wheels, an action): what it needs, how to check and run it. */
export interface Node<C, R> {
  id: string
  title: string
  needs: string[]
  /** Decide from the needs' results (undefined for a need that a dry run would rebuild): skip with a result, or run; and say why. */
  check(ctx: C, deps: Record<string, R | undefined>): Promise<Decision<R>>
  /** Do the work `plan` (check's) describes. Method syntax: each node kind names its own plan type. */
  run(ctx: C, deps: Record<string, R>, emit: (e: StageEvent) => void, plan: unknown): Promise<{ result: R; data?: Done }>
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
  const run: Run<C, R> = { byId, ctx: { ...ctx, signal: controller.signal }, opts, controller, limit: semaphore(Math.max(1, opts.concurrency)), results: new Map() }
  try {
    await Promise.allSettled(nodes.map((n) => ensure(run, n.id)))
    // An interrupt is the cause of whatever failed after it: report the interrupt.
    if (ctx.signal.aborted) throw interrupted(ctx.signal)
    if (run.firstError !== undefined) throw run.firstError
    const out = new Map<string, R | undefined>()
    for (const [id, p] of run.results) out.set(id, await p)
    return out
  } finally {
    ctx.signal.removeEventListener('abort', onOuterAbort)
  }
}

/** One execution's shared state, handed to each step explicitly. */
interface Run<C, R> {
  byId: Map<string, Node<C, R>>
  /** The caller's context with the run's own signal: what nodes get. */
  ctx: C
  opts: ExecuteOptions
  /** Aborted by the caller's signal or by the first failure. */
  controller: AbortController
  limit: <T>(fn: () => Promise<T>) => Promise<T>
  /** Each started node's result: every node is started once, and its dependents await the same promise. */
  results: Map<string, Promise<R | undefined>>
  firstError?: unknown
}

/** The first failure cancels everything still running; later ones are its consequences. */
function fail<C, R>(run: Run<C, R>, e: unknown): void {
  if (run.firstError !== undefined) return
  run.firstError = e
  run.controller.abort('failed')
}

/** The node's (memoized) result: started on first ask, with its needs before it. */
function ensure<C, R>(run: Run<C, R>, id: string): Promise<R | undefined> {
  let p = run.results.get(id)
  if (p) return p
  p = settleNode(run, run.byId.get(id)!)
  p.catch((e) => fail(run, e))
  run.results.set(id, p)
  return p
}

/** Await the needs, check, then skip (with check's result), plan (dry run: undefined) or run the node. */
async function settleNode<C, R>(run: Run<C, R>, node: Node<C, R>): Promise<R | undefined> {
  const { opts, controller } = run
  const deps: Record<string, R | undefined> = {}
  for (const [need, r] of await Promise.all(node.needs.map(async (n) => [n, await ensure(run, n)] as const))) deps[need] = r
  if (controller.signal.aborted) throw interrupted(controller.signal)
  const decision = await checkNode(run, node, deps)
  if ('skip' in decision && !opts.force) {
    if (opts.dryRun) opts.emit({ type: 'plan', id: node.id, title: node.title, action: 'skip', why: decision.why })
    else opts.emit({ type: 'task:skip', id: node.id, title: node.title, reason: decision.why })
    return decision.skip
  }
  const why: Reason | undefined = opts.force ? { is: 'force' } : decision.why
  if (opts.dryRun) {
    opts.emit({ type: 'plan', id: node.id, title: node.title, action: 'run', ...(why ? { why } : {}) })
    return undefined
  }
  return run.limit(() => runNode(run, node, deps as Record<string, R>, why, decision.plan))
}

/** Ask the node whether to run; a skip it will keep is reused at once (not in a dry run or under --force). A failure here fails the node. */
async function checkNode<C, R>(run: Run<C, R>, node: Node<C, R>, deps: Record<string, R | undefined>): Promise<Decision<R>> {
  const { opts } = run
  const checked = Date.now()
  try {
    const decision = await node.check(run.ctx, deps)
    if ('skip' in decision && !opts.force && !opts.dryRun) await node.reuse?.(run.ctx, decision.skip)
    return decision
  } catch (e) {
    opts.emit({ type: 'task:fail', id: node.id, title: node.title, message: (e as Error).message, ms: Date.now() - checked })
    throw e
  }
}

/** Run the node (holding a concurrency slot), its build events tagged with its id; a failure aborts the rest. */
async function runNode<C, R>(run: Run<C, R>, node: Node<C, R>, deps: Record<string, R>, why: Reason | undefined, plan: unknown): Promise<R> {
  const { opts, controller } = run
  const id = node.id
  if (controller.signal.aborted) throw interrupted(controller.signal)
  const started = Date.now()
  opts.emit({ type: 'task:start', id, title: node.title, ...(why ? { why } : {}) })
  try {
    const tagged = (e: StageEvent) => opts.emit(e.type === 'build:step' ? { type: 'build:step', id, step: e.step } : { type: 'build:output', id, line: e.line })
    const { result, data } = await node.run(run.ctx, deps, tagged, plan)
    opts.emit({ type: 'task:done', id, title: node.title, ms: Date.now() - started, ...(data ? { data } : {}) })
    return result
  } catch (e) {
    const cancelled = controller.signal.aborted && run.firstError !== undefined
    opts.emit({ type: 'task:fail', id, title: node.title, message: cancelled ? 'cancelled' : (e as Error).message, ms: Date.now() - started })
    fail(run, e) // before the slot is released: a node waiting for it must see the abort
    throw e
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
