import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { execute, semaphore, topoOrder, type ExecuteOptions, type Node } from '../../../lib/graph/execute.js'
import type { Event, Reason } from '../../../lib/events.js'
import { rejected, rejectedUserError, userError } from '../helpers/catch.js'

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

// ---------------------------------------------------------------------------------------------
const Semaphore = suite('semaphore')

/** Runs `jobs` fake jobs of `ms` each through a semaphore of `n`; returns the most seen at once. */
async function maxConcurrent(n: number, jobs: number, ms = 5): Promise<number> {
  const limit = semaphore(n)
  let active = 0
  let max = 0
  await Promise.all(
    Array.from({ length: jobs }, () =>
      limit(async () => {
        active++
        max = Math.max(max, active)
        await sleep(ms)
        active--
      }),
    ),
  )
  return max
}

const limits: { n: number; jobs: number; want: number }[] = [
  { n: 1, jobs: 4, want: 1 },
  { n: 2, jobs: 6, want: 2 },
  { n: 3, jobs: 10, want: 3 },
  { n: 4, jobs: 2, want: 2 },
]
for (const c of limits) {
  Semaphore(`${c.jobs} jobs through semaphore(${c.n}) run ${c.want} at a time`, async () => {
    assert.is(await maxConcurrent(c.n, c.jobs), c.want, `at most ${c.n} jobs should run at once, and ${c.want} should overlap`)
  })
}

Semaphore('resolves with what each job returns', async () => {
  const limit = semaphore(2)
  const got = await Promise.all([3, 1, 2].map((v) => limit(async () => (await sleep(v), v * 10))))
  assert.equal(got, [30, 10, 20], "each call should resolve with its own job's value")
})

Semaphore('a failing job rejects its call and frees its slot', async () => {
  const limit = semaphore(1)
  const boom = new Error('boom')
  const first = limit(async () => {
    throw boom
  })
  const second = limit(async () => 'ran')
  assert.is(await rejected(first, 'the failing job'), boom, "the call should reject with the job's own error")
  assert.is(await second, 'ran', 'the next job should still get the slot')
})

// A caller that arrives in the microtask between a holder's release and the queued waiter's wake-up
// must queue too. Tried at every offset, since which one hits depends on the implementation.
Semaphore('a caller arriving while a slot is handed to a waiter does not exceed n', async () => {
  for (let depth = 0; depth < 8; depth++) {
    const limit = semaphore(1)
    let active = 0
    let max = 0
    const job = (gate: Promise<unknown>) => async () => {
      active++
      max = Math.max(max, active)
      await gate
      active--
    }
    let open!: () => void
    const holder = limit(job(new Promise<void>((resolve) => (open = resolve))))
    const waiter = limit(job(sleep(5)))
    await sleep(1)
    open()
    let late: Promise<unknown> = Promise.resolve()
    for (let i = 0; i < depth; i++) late = late.then(() => undefined)
    const lateCall = late.then(() => limit(job(sleep(5))))
    await Promise.all([holder, waiter, lateCall])
    assert.is(max, 1, `semaphore(1) should never run two jobs at once (late caller ${depth} microtasks after the release)`)
  }
})

Semaphore.run()

// ---------------------------------------------------------------------------------------------
type Ctx = { signal: AbortSignal }

const current = (ref: string): Reason => ({ is: 'current', ref })
const changed = (input: string): Reason => ({ is: 'changed', changes: [{ input, change: 'changed' }] })

interface Spec {
  needs?: string[]
  /** check() says skip: the image at this ref is current. */
  skip?: string
  /** check()'s reason to run: this input changed. */
  why?: string
  /** How long run() takes. */
  ms?: number
  /** run() rejects with this error after `ms`. */
  fail?: Error
  /** run() waits for its signal to abort, then rejects (a build that honours cancellation). */
  untilAborted?: boolean
}

/** Fake nodes that record what the executor does with them; results are "<id>@new" / "<id>@old". */
function recorder() {
  const r = {
    events: [] as Event[],
    emit: (e: Event) => void r.events.push(e),
    checked: [] as string[],
    runs: [] as string[],
    reused: [] as [string, string][],
    checkDeps: {} as Record<string, Record<string, string | undefined>>,
    runDeps: {} as Record<string, Record<string, string>>,
    /** "start:<id>" / "end:<id>" in the order they happened. */
    timeline: [] as string[],
    /** Nodes whose run saw ctx.signal abort. */
    cancelled: [] as string[],
    active: 0,
    maxActive: 0,
    ofType<K extends Event['type']>(type: K): Extract<Event, { type: K }>[] {
      return r.events.filter((e): e is Extract<Event, { type: K }> => e.type === type)
    },
    node(id: string, spec: Spec = {}): Node<Ctx, string> {
      return {
        id,
        title: `Node ${id}`,
        needs: spec.needs ?? [],
        async check(_ctx, deps) {
          r.checked.push(id)
          r.checkDeps[id] = { ...deps }
          return spec.skip !== undefined ? { skip: `${id}@old`, why: current(spec.skip) } : { run: true, why: changed(spec.why ?? id) }
        },
        async run(ctx, deps, emit) {
          r.runs.push(id)
          r.runDeps[id] = { ...deps }
          r.timeline.push(`start:${id}`)
          r.active++
          r.maxActive = Math.max(r.maxActive, r.active)
          try {
            emit({ type: 'build:step', step: `step of ${id}` })
            if (spec.untilAborted) {
              const how = await Promise.race([new Promise<string>((resolve) => ctx.signal.addEventListener('abort', () => resolve('aborted'), { once: true })), sleep(1000).then(() => 'timed out')])
              if (how === 'aborted') r.cancelled.push(id)
              throw new Error(`${id} ${how}`)
            }
            await sleep(spec.ms ?? 2)
            if (spec.fail) throw spec.fail
            return { result: `${id}@new`, data: { tags: [`built ${id}`] } }
          } finally {
            r.active--
            r.timeline.push(`end:${id}`)
          }
        },
        async reuse(_ctx, result) {
          r.reused.push([id, result])
        },
      }
    },
  }
  return r
}

const ctx = (): Ctx => ({ signal: new AbortController().signal })
const opts = (emit: ExecuteOptions['emit'], over: Partial<ExecuteOptions> = {}): ExecuteOptions => ({ emit, concurrency: 4, ...over })

const Execute = suite('execute')

Execute('runs needs before their dependants, whatever order the nodes are given in', async () => {
  const r = recorder()
  const nodes = [r.node('release', { needs: ['builder'] }), r.node('builder', { needs: ['base'] }), r.node('base')]
  await execute(nodes, ctx(), opts(r.emit))
  assert.equal(r.runs, ['base', 'builder', 'release'], 'each node should run after the node it needs')
  assert.ok(r.timeline.indexOf('end:base') < r.timeline.indexOf('start:builder'), 'builder should start only after base has finished')
  assert.equal(r.runDeps.release, { builder: 'builder@new' }, "a dependant should get its needs' results")
})

Execute('a node needed by several runs once (diamond)', async () => {
  const r = recorder()
  const nodes = [r.node('bottom', { needs: ['left', 'right'] }), r.node('left', { needs: ['top'] }), r.node('right', { needs: ['top'] }), r.node('top')]
  const results = await execute(nodes, ctx(), opts(r.emit))
  assert.is(r.runs.filter((id) => id === 'top').length, 1, 'top should run exactly once though two nodes need it')
  assert.is(r.checked.filter((id) => id === 'top').length, 1, 'top should be checked exactly once')
  assert.is(r.ofType('task:start').filter((e) => e.id === 'top').length, 1, 'top should start exactly once')
  assert.equal(r.runDeps.bottom, { left: 'left@new', right: 'right@new' }, "bottom should get both its needs' results")
  assert.equal(
    [...results].sort(),
    [
      ['bottom', 'bottom@new'],
      ['left', 'left@new'],
      ['right', 'right@new'],
      ['top', 'top@new'],
    ],
    "execute should resolve with every node's result",
  )
})

const overlap: { name: string; concurrency: number; independent: number; want: number }[] = [
  { name: 'concurrency 1 runs one at a time', concurrency: 1, independent: 3, want: 1 },
  { name: 'concurrency 2 runs two side by side', concurrency: 2, independent: 2, want: 2 },
  { name: 'concurrency 2 never runs a third', concurrency: 2, independent: 4, want: 2 },
  { name: 'concurrency 4 runs all three', concurrency: 4, independent: 3, want: 3 },
  { name: 'concurrency 0 is treated as 1', concurrency: 0, independent: 2, want: 1 },
]
for (const c of overlap) {
  Execute(`independent nodes: ${c.name}`, async () => {
    const r = recorder()
    const nodes = Array.from({ length: c.independent }, (_, i) => r.node(`n${i}`, { ms: 15 }))
    await execute(nodes, ctx(), opts(r.emit, { concurrency: c.concurrency }))
    assert.is(r.runs.length, c.independent, 'every node should run')
    assert.is(r.maxActive, c.want, `${c.want} node(s) should run at once with concurrency ${c.concurrency}`)
  })
}

Execute('task:start says why, task:done has the summary, stage events get the node id', async () => {
  const r = recorder()
  await execute([r.node('base', { why: 'file:docker/base/Dockerfile' })], ctx(), opts(r.emit))
  assert.equal(
    r.events.map((e) => ('ms' in e ? { ...e, ms: 0 } : e)),
    [
      { type: 'task:start', id: 'base', title: 'Node base', why: changed('file:docker/base/Dockerfile') },
      { type: 'build:step', id: 'base', step: 'step of base' },
      { type: 'task:done', id: 'base', title: 'Node base', ms: 0, data: { tags: ['built base'] } },
    ],
    'a run should emit start (with the reason), its steps with the node id, then done',
  )
})

Execute('check says skip: task:skip with the reason, reuse is called, dependants get the skip result', async () => {
  const r = recorder()
  const results = await execute([r.node('base', { skip: 'up to date' }), r.node('app', { needs: ['base'] })], ctx(), opts(r.emit))
  assert.equal(r.ofType('task:skip'), [{ type: 'task:skip', id: 'base', title: 'Node base', reason: current('up to date') }], "base should be reported skipped with check's reason")
  assert.equal(r.reused, [['base', 'base@old']], 'reuse should be called once with the skip result')
  assert.not.ok(r.runs.includes('base'), 'a skipped node should not run')
  assert.not.ok(
    r.ofType('task:start').some((e) => e.id === 'base'),
    'a skipped node should not emit task:start',
  )
  assert.equal(r.runDeps.app, { base: 'base@old' }, 'the dependant should get the skip result')
  assert.is(results.get('base'), 'base@old', 'execute should return the skip result for the skipped node')
})

Execute('force runs nodes whose check says skip, with --force as the reason', async () => {
  const r = recorder()
  await execute([r.node('base', { skip: 'up to date' }), r.node('app', { needs: ['base'], skip: 'up to date' })], ctx(), opts(r.emit, { force: true }))
  assert.equal(r.runs, ['base', 'app'], 'every node should run under force')
  assert.equal(
    r.ofType('task:start').map((e) => [e.id, e.why]),
    [
      ['base', { is: 'force' }],
      ['app', { is: 'force' }],
    ],
    'task:start should say --force',
  )
  assert.equal(r.ofType('task:skip'), [], 'nothing should be reported skipped under force')
  assert.equal(r.reused, [], 'reuse should not be called under force')
  assert.equal(r.runDeps.app, { base: 'base@new' }, 'the dependant should get the new result')
})

Execute('dryRun reports a plan event per node and runs nothing', async () => {
  const r = recorder()
  const nodes = [r.node('base', { skip: 'up to date' }), r.node('builder', { needs: ['base'], why: 'Dockerfile' }), r.node('release', { needs: ['builder'] })]
  const results = await execute(nodes, ctx(), opts(r.emit, { dryRun: true }))
  assert.equal(
    r.events,
    [
      { type: 'plan', id: 'base', title: 'Node base', action: 'skip', why: current('up to date') },
      { type: 'plan', id: 'builder', title: 'Node builder', action: 'run', why: changed('Dockerfile') },
      { type: 'plan', id: 'release', title: 'Node release', action: 'run', why: changed('release') },
    ],
    "a dry run should emit only plan events, one per node, with check's action and reason",
  )
  assert.equal(r.runs, [], 'run should never be called in a dry run')
  assert.equal(r.reused, [], 'reuse should never be called in a dry run')
  assert.equal(r.checkDeps.builder, { base: 'base@old' }, 'a dependant of a skipped node should get the skip result')
  assert.ok('builder' in r.checkDeps.release, 'the would-run need should be present in deps')
  assert.is(r.checkDeps.release.builder, undefined, 'a dependant of a would-run node should get undefined for it')
  assert.is(results.get('builder'), undefined, 'the result of a would-run node should be undefined')
  assert.is(results.get('base'), 'base@old', 'the result of a skipped node should be its skip result')
})

Execute('dryRun with force plans every node as run because of --force', async () => {
  const r = recorder()
  await execute([r.node('base', { skip: 'up to date' })], ctx(), opts(r.emit, { dryRun: true, force: true }))
  assert.equal(r.events, [{ type: 'plan', id: 'base', title: 'Node base', action: 'run', why: { is: 'force' } }], 'the plan should say run (--force)')
  assert.equal(r.runs, [], 'nothing should run')
})

/** slow (runs until cancelled) and bad (fails) take both slots; queued waits for one; after needs bad. */
async function failingRun() {
  const r = recorder()
  const failure = new Error('pip failed')
  const nodes = [r.node('slow', { untilAborted: true }), r.node('bad', { ms: 10, fail: failure }), r.node('queued'), r.node('after', { needs: ['bad'] })]
  const err = await rejected(execute(nodes, ctx(), opts(r.emit, { concurrency: 2 })), 'a graph with a failing node')
  return { r, failure, err }
}

Execute('the first failure rejects execute with that error and emits task:fail for it', async () => {
  const { r, failure, err } = await failingRun()
  assert.is(err, failure, "execute should reject with the failing node's own error")
  const fail = r.ofType('task:fail').find((e) => e.id === 'bad')
  assert.ok(fail, 'the failing node should emit task:fail')
  assert.is(fail!.message, 'pip failed', 'task:fail should carry the error message')
})

Execute('the first failure cancels a running sibling through its signal', async () => {
  const { r } = await failingRun()
  assert.equal(r.cancelled, ['slow'], 'the long-running sibling should see ctx.signal abort')
  const fail = r.ofType('task:fail').find((e) => e.id === 'slow')
  assert.is(fail?.message, 'cancelled', 'the cancelled sibling should be reported as cancelled, not as a failure of its own')
})

Execute('after the first failure, a dependant of the failed node never runs', async () => {
  const { r } = await failingRun()
  assert.not.ok(r.runs.includes('after'), 'a node needing the failed node should not run')
  assert.not.ok(
    r.ofType('task:start').some((e) => e.id === 'after'),
    'it should not emit task:start',
  )
})

Execute('after the first failure, a node waiting for a slot never runs', async () => {
  const { r } = await failingRun()
  assert.not.ok(r.runs.includes('queued'), 'a node still waiting for a concurrency slot should not run once a sibling failed')
  assert.not.ok(
    r.ofType('task:start').some((e) => e.id === 'queued'),
    'it should not emit task:start',
  )
})

const interrupts: { name: string; reason?: string; exitCode: number }[] = [
  { name: 'without a reason (Ctrl-C)', exitCode: 130 },
  { name: 'by SIGINT', reason: 'SIGINT', exitCode: 130 },
  { name: 'by SIGTERM', reason: 'SIGTERM', exitCode: 143 },
]
for (const c of interrupts) {
  Execute(`an outer signal already aborted ${c.name} rejects with a UserError, exit code ${c.exitCode}`, async () => {
    const r = recorder()
    const outer = new AbortController()
    outer.abort(c.reason)
    const e = await rejectedUserError(execute([r.node('base'), r.node('app', { needs: ['base'] })], { signal: outer.signal }, opts(r.emit)), 'an aborted run')
    assert.is(e.exitCode, c.exitCode, `the exit code should be ${c.exitCode}`)
    assert.match(e.message, /^interrupted/, 'the message should say the run was interrupted')
    assert.equal(r.runs, [], 'no node should run')
  })
}

Execute('an outer signal aborted mid-run cancels running nodes', async () => {
  const r = recorder()
  const outer = new AbortController()
  const run = execute([r.node('slow', { untilAborted: true })], { signal: outer.signal }, opts(r.emit))
  await sleep(5)
  outer.abort('SIGTERM')
  await rejected(run, 'a run aborted from outside')
  assert.equal(r.cancelled, ['slow'], 'the running node should see its signal abort')
})

Execute('a node needing an unknown id is rejected before anything runs', async () => {
  const r = recorder()
  const e = await rejected(execute([r.node('base'), r.node('app', { needs: ['ghost'] })], ctx(), opts(r.emit)), 'a need that is not a node')
  assert.match((e as Error).message, 'node app needs unknown node ghost', 'the error should name the node and the missing need')
  assert.equal(r.checked, [], 'no node should even be checked')
})

Execute('an empty graph resolves with no results', async () => {
  const r = recorder()
  const results = await execute([], ctx(), opts(r.emit))
  assert.is(results.size, 0, 'there should be no results')
  assert.equal(r.events, [], 'nothing should be emitted')
})

Execute.run()

// ---------------------------------------------------------------------------------------------
const TopoOrder = suite('topoOrder')

const graph = (needs: Record<string, string[]>): Node<Ctx, string>[] => Object.entries(needs).map(([id, n]) => recorder().node(id, { needs: n }))

const orders: { name: string; needs: Record<string, string[]>; want: string[] }[] = [
  { name: 'already in order', needs: { base: [], builder: ['base'], release: ['builder'] }, want: ['base', 'builder', 'release'] },
  { name: 'reversed chain', needs: { release: ['builder'], builder: ['base'], base: [] }, want: ['base', 'builder', 'release'] },
  { name: 'diamond given bottom first', needs: { bottom: ['left', 'right'], left: ['top'], right: ['top'], top: [] }, want: ['top', 'left', 'right', 'bottom'] },
  { name: 'independent nodes keep their order', needs: { b: [], a: [], c: [] }, want: ['b', 'a', 'c'] },
  { name: 'nothing', needs: {}, want: [] },
]
for (const c of orders) {
  TopoOrder(c.name, () => {
    assert.equal(
      topoOrder(graph(c.needs)).map((n) => n.id),
      c.want,
      `the order should be ${c.want.join(', ')}`,
    )
  })
}

const loops: { name: string; needs: Record<string, string[]>; loop: string }[] = [
  { name: 'two nodes', needs: { a: ['b'], b: ['a'] }, loop: 'a → b → a' },
  { name: 'three nodes', needs: { a: ['b'], b: ['c'], c: ['a'] }, loop: 'a → b → c → a' },
  { name: 'a node needing itself', needs: { a: ['a'] }, loop: 'a → a' },
]
for (const c of loops) {
  TopoOrder(`a cycle of ${c.name} is a UserError naming the loop`, () => {
    const e = userError(() => topoOrder(graph(c.needs)), `a cycle of ${c.name}`)
    assert.is(e.message, `dependency cycle: ${c.loop}`, `the message should name the loop ${c.loop}`)
  })
}

TopoOrder('a loop below another node is still found and named', () => {
  const e = userError(() => topoOrder(graph({ top: ['a'], a: ['b'], b: ['a'] })), 'a loop below top')
  assert.match(e.message, 'a → b → a', 'the message should show the loop a → b → a')
})

TopoOrder.run()
