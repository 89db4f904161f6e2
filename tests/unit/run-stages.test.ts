import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import type { Event, Stage, StageEvent } from '../../lib/render/events.js'
import { runStage, runStages } from '../../lib/render/run-stages.js'
import { rejected } from './helpers/catch.js'

interface Ctx {
  ran: string[]
}

/** An emit that records every event; `ms` is dropped so event lists compare exactly. */
function recorder() {
  const events: Event[] = []
  const emit = (e: Event) => {
    events.push(e)
  }
  const plain = () => events.map((e) => ('ms' in e ? (({ ms, ...rest }) => rest)(e) : e))
  return { events, emit, plain }
}

const stage = (id: string, over: Partial<Stage<Ctx>> = {}): Stage<Ctx> => ({
  id,
  title: `Stage ${id}`,
  task: async (ctx) => {
    ctx.ran.push(id)
    return `${id} done`
  },
  ...over,
})

// ---------------------------------------------------------------------------------------------
const RunStages = suite('runStages')

RunStages('runs stages in order, each between task:start and task:done', async () => {
  const ctx: Ctx = { ran: [] }
  const r = recorder()
  await runStages([stage('a'), stage('b')], ctx, r.emit)
  assert.equal(ctx.ran, ['a', 'b'], 'both stages should run, in order')
  assert.equal(
    r.plain(),
    [
      { type: 'task:start', id: 'a', title: 'Stage a' },
      { type: 'task:done', id: 'a', title: 'Stage a', summary: 'a done' },
      { type: 'task:start', id: 'b', title: 'Stage b' },
      { type: 'task:done', id: 'b', title: 'Stage b', summary: 'b done' },
    ],
    'each stage should emit start then done with its summary, one stage after the other',
  )
})

RunStages('task:done carries a duration in ms and an empty summary when the task returns nothing', async () => {
  const r = recorder()
  await runStages([stage('a', { task: async () => new Promise<void>((resolve) => setTimeout(resolve, 15)) })], { ran: [] }, r.emit)
  const done = r.events.find((e) => e.type === 'task:done')
  assert.ok(done && done.type === 'task:done', 'a task:done event should be emitted')
  assert.is(done.summary, '', 'a task returning undefined should give an empty summary')
  assert.ok(done.ms >= 10 && done.ms < 5000, `ms should measure the task's time (about 15), got ${done.ms}`)
})

RunStages('a skipped stage does not run and emits task:skip with the reason only', async () => {
  const ctx: Ctx = { ran: [] }
  const r = recorder()
  const seen: Ctx[] = []
  const skip = (c: Ctx) => {
    seen.push(c)
    return 'would run: docker build docker/base'
  }
  await runStages([stage('a', { skip }), stage('b')], ctx, r.emit)
  assert.equal(ctx.ran, ['b'], 'the skipped stage should not run, the next one should')
  assert.is(seen[0], ctx, 'skip() should receive the context')
  assert.equal(
    r.plain()[0],
    { type: 'task:skip', id: 'a', title: 'Stage a', reason: 'would run: docker build docker/base' },
    'the first event should be task:skip naming the reason',
  )
  assert.not.ok(r.events.some((e) => e.type === 'task:start' && e.id === 'a'), 'a skipped stage should not emit task:start')
})

RunStages('skip() may be async, and false means run', async () => {
  const ctx: Ctx = { ran: [] }
  const r = recorder()
  await runStages([stage('a', { skip: async () => 'cached' }), stage('b', { skip: async () => false as const }), stage('c', { skip: () => false })], ctx, r.emit)
  assert.equal(ctx.ran, ['b', 'c'], 'an async reason should skip; false (sync or async) should run')
  assert.equal(r.events.map((e) => e.type), ['task:skip', 'task:start', 'task:done', 'task:start', 'task:done'], 'events should follow skip/run decisions')
})

RunStages('forwards the stage\'s own events with its id, between start and done', async () => {
  const r = recorder()
  const task = async (_: Ctx, emit: (e: StageEvent) => void) => {
    emit({ type: 'build:step', step: 'Step 1/3 : FROM debian' })
    emit({ type: 'build:output', line: 'Pulling fs layer' })
    emit({ type: 'build:step', step: 'Step 2/3 : RUN true' })
    return 'built'
  }
  await runStages([stage('image:base', { task })], { ran: [] }, r.emit)
  assert.equal(
    r.plain(),
    [
      { type: 'task:start', id: 'image:base', title: 'Stage image:base' },
      { type: 'build:step', id: 'image:base', step: 'Step 1/3 : FROM debian' },
      { type: 'build:output', id: 'image:base', line: 'Pulling fs layer' },
      { type: 'build:step', id: 'image:base', step: 'Step 2/3 : RUN true' },
      { type: 'task:done', id: 'image:base', title: 'Stage image:base', summary: 'built' },
    ],
    'build events should be forwarded in order, tagged with the stage id',
  )
})

RunStages('a failing stage emits task:fail, rethrows the same error, and later stages do not run', async () => {
  const ctx: Ctx = { ran: [] }
  const r = recorder()
  const boom = new Error('builder exited with code 1')
  const failing = stage('b', {
    task: async (c, emit) => {
      c.ran.push('b')
      emit({ type: 'build:step', step: 'pip wheel' })
      throw boom
    },
  })
  const err = await rejected(runStages([stage('a'), failing, stage('c')], ctx, r.emit), 'a failing stage')
  assert.is(err, boom, 'the stage\'s own error should be rethrown unchanged')
  assert.equal(ctx.ran, ['a', 'b'], 'the stage after the failure should not run')
  assert.equal(
    r.plain().slice(2),
    [
      { type: 'task:start', id: 'b', title: 'Stage b' },
      { type: 'build:step', id: 'b', step: 'pip wheel' },
      { type: 'task:fail', id: 'b', title: 'Stage b', message: 'builder exited with code 1' },
    ],
    'the failing stage should end with task:fail carrying the message, and nothing after it',
  )
  const fail = r.events[r.events.length - 1]
  assert.ok(fail.type === 'task:fail' && typeof fail.ms === 'number' && fail.ms >= 0, 'task:fail should carry a duration')
})

RunStages('a failing skip() stops the list too', async () => {
  const ctx: Ctx = { ran: [] }
  const r = recorder()
  const err = await rejected(
    runStages([stage('a', { skip: () => { throw new Error('cannot inspect') } }), stage('b')], ctx, r.emit),
    'a throwing skip()',
  )
  assert.match((err as Error).message, 'cannot inspect', 'the skip() error should be rethrown')
  assert.equal(ctx.ran, [], 'no stage should run after skip() threw')
})

RunStages('no stages: no events', async () => {
  const r = recorder()
  await runStages([], { ran: [] }, r.emit)
  assert.equal(r.events, [], 'an empty list should emit nothing')
})

RunStages.run()

// ---------------------------------------------------------------------------------------------
const RunStage = suite('runStage')

RunStage('hands the stage\'s own events to onEvent as well as to emit', async () => {
  const r = recorder()
  const own: StageEvent[] = []
  const task = async (_: Ctx, emit: (e: StageEvent) => void) => {
    emit({ type: 'build:step', step: 's' })
    emit({ type: 'build:output', line: 'l' })
  }
  await runStage(stage('x', { task }), { ran: [] }, r.emit, (e) => own.push(e))
  assert.equal(own, [{ type: 'build:step', step: 's' }, { type: 'build:output', line: 'l' }], 'onEvent should get the events without the id')
  assert.is(r.events.filter((e) => e.type.startsWith('build:')).length, 2, 'emit should get them too')
})

RunStage('passes the context to the task', async () => {
  const ctx: Ctx = { ran: [] }
  await runStage(stage('x'), ctx, () => {})
  assert.equal(ctx.ran, ['x'], 'the task should receive the context it is run with')
})

RunStage.run()
