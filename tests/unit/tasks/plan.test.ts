import { rmSync } from 'node:fs'
import path from 'node:path'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import type { Event } from '../../../lib/events.js'
import { shapeFacts } from '../../../lib/shape/detect.js'
import { plan } from '../../../lib/tasks/plan.js'
import { rejectedUserError } from '../helpers/catch.js'
import { abortedSignal, args, runTask, taskContext } from '../helpers/context.js'
import { makeTemp, removeTemp } from '../helpers/tmp.js'
import { builtEngine, git, osEngine, pythonEngine, writeFlaskProject, writePythonProject } from './helpers/project.js'
import { describeReason } from '../../../lib/render/reason.js'

// The plan task (lib/tasks/plan.ts) on the fake engine: always a dry run (cli.ts runs it as one).

const plans = (events: Event[]) => events.flatMap((e) => (e.type === 'plan' ? [`${e.id}: ${e.action}`] : []))

// ---------------------------------------------------------------------------------------------
const Plan = suite('plan')
let root: string
Plan.before.each(() => {
  root = writeFlaskProject(makeTemp('plan'))
})
Plan.after.each(() => removeTemp(root))

Plan('declares itself always a dry run', () => {
  assert.is(plan.dryRun, true)
})

Plan('the shape event first, before the engine is asked anything; then a verdict per stage; nothing built', async () => {
  const engine = osEngine()
  const { ctx, events } = taskContext(engine, { root, git, shape: 'detect' })
  let callsAtShape: number | undefined
  const emit = ctx.emit
  ctx.emit = (e) => {
    if (e.type === 'shape') callsAtShape = engine.calls.length
    emit(e)
  }
  assert.is(await runTask(plan, ctx, args(), { dryRun: true }), 0)
  assert.is(events[0].type, 'shape', `the first event, got ${events.map((e) => e.type).join(', ')}`)
  assert.equal(events[0], { type: 'shape', shape: shapeFacts(await ctx.project.shape()) }, "the project's shape, without the parsed pyproject")
  assert.is(events.filter((e) => e.type === 'shape').length, 1, 'once')
  assert.is(callsAtShape, 0, 'no engine call before it')
  const verdicts = plans(events)
  for (const want of ['image:base: run', 'image:builder: run', 'wheels: run', 'image:release: run']) assert.ok(verdicts.includes(want), `${want}; got ${verdicts.join(', ')}`)
  assert.not.ok(
    engine.calls.some((c) => c.method === 'build' || c.method === 'images.tag' || c.method.startsWith('containers.')),
    'nothing built, tagged or run',
  )
})

Plan('what is up to date is planned as skipped', async () => {
  const engine = await builtEngine(root)
  const { ctx, events } = taskContext(engine, { root, git, shape: 'detect' })
  await runTask(plan, ctx, args(), { dryRun: true })
  const verdicts = plans(events)
  for (const want of ['image:base: skip', 'image:builder: skip', 'wheels: skip', 'image:release: run']) assert.ok(verdicts.includes(want), `${want}; got ${verdicts.join(', ')}`)
})

Plan('image folders given: those images (and their parents) only, no shape event', async () => {
  const engine = osEngine()
  const { ctx, events } = taskContext(engine, { root, git }) // no shape: reading it would fail the test
  await runTask(plan, ctx, args('docker/builder'), { dryRun: true })
  assert.equal(plans(events), ['image:base: run', 'image:builder: run'])
  assert.not.ok(
    events.some((e) => e.type === 'shape'),
    'no shape event',
  )
})

Plan('a folder that is not an image folder: a UserError naming it', async () => {
  const engine = osEngine()
  const e = await rejectedUserError(runTask(plan, taskContext(engine, { root, git }).ctx, args('src/app'), { dryRun: true }), 'not an image folder')
  assert.is(e.message, 'src/app is not an image folder under docker')
  assert.equal(engine.calls, [])
})

Plan('no release image folder: a UserError naming the key to set; the shape was said first', async () => {
  rmSync(path.join(root, 'docker/release'), { recursive: true })
  const { ctx, events } = taskContext(osEngine(), { root, git, shape: 'detect' })
  const e = await rejectedUserError(runTask(plan, ctx, args(), { dryRun: true }), 'no release image')
  assert.is(e.message, 'no release image: docker/release/Dockerfile does not exist')
  assert.match(e.hint ?? '', /"images\.release"/)
  assert.equal(
    events.map((x) => x.type),
    ['shape'],
  )
})

Plan('an aborted run stops before touching the engine', async () => {
  const engine = osEngine()
  const { ctx } = taskContext(engine, { root, git, shape: 'detect', signal: abortedSignal() })
  const e = await rejectedUserError(runTask(plan, ctx, args(), { dryRun: true }), 'aborted')
  assert.is(e.message, 'interrupted (SIGINT)')
  assert.equal(engine.calls, [])
})

Plan.run()

// ---------------------------------------------------------------------------------------------
const PlanPython = suite('plan: the Python')
PlanPython.after.each(() => removeTemp(root))

PlanPython('a project asking for 3.13: the shape names it and where it was asked for; every stage would run', async () => {
  root = writePythonProject(makeTemp('plan-python'), '3.13')
  const { ctx, events } = taskContext(pythonEngine(), { root, git, shape: 'detect' })
  assert.is(await runTask(plan, ctx, args(), { dryRun: true }), 0)
  const shape = events.find((e) => e.type === 'shape')
  assert.equal(shape?.type === 'shape' && shape.python, {
    version: '3.13',
    image: 'debian:trixie-slim',
    imageFrom: 'built-in',
    from: { source: '.python-version', file: '.python-version', value: '3.13' },
  })
  assert.equal(plans(events).slice(0, 2), ['image:base: run', 'image:builder: run'])
})

PlanPython("the engine lacking the Python's OS image: a UserError naming both and how to load it, before any node", async () => {
  root = writePythonProject(makeTemp('plan-python'), '3.13')
  const engine = osEngine()
  const { ctx, events } = taskContext(engine, { root, git, shape: 'detect' })
  const e = await rejectedUserError(runTask(plan, ctx, args(), { dryRun: true }), 'no trixie')
  assert.is(e.message, 'Python 3.13 runs on debian:trixie-slim, which the engine does not have (docker/base/Dockerfile is FROM it)')
  assert.match(e.hint ?? '', /docker pull debian:trixie-slim/)
  assert.equal(plans(events), [], 'no verdict: nothing was planned')
})

PlanPython('wheels built for 3.11, the project now on 3.13: the plan says why they are rebuilt', async () => {
  root = writePythonProject(makeTemp('plan-python'), '3.11')
  const engine = await builtEngine(root, pythonEngine())
  writePythonProject(root, '3.13')
  const { ctx, events } = taskContext(engine, { root, git, shape: 'detect' })
  await runTask(plan, ctx, args(), { dryRun: true })
  const why = Object.fromEntries(events.flatMap((e) => (e.type === 'plan' ? [[e.id, `${e.action}: ${e.why && describeReason(e.why)}`]] : [])))
  assert.is(why.wheels, 'run: the wheels were built for Python 3.11, the project now runs 3.13')
  assert.match(why['image:base'], /^run: .*build arg OS_IMAGE changed.*build arg PYTHON_VERSION changed/, 'the base image: its Python inputs changed')
})

PlanPython('an unavailable Python: the error, before the engine is asked anything', async () => {
  root = writePythonProject(makeTemp('plan-python'), '3.9')
  const engine = pythonEngine()
  const e = await rejectedUserError(runTask(plan, taskContext(engine, { root, git, shape: 'detect' }).ctx, args(), { dryRun: true }), '3.9')
  assert.match(e.message, /^Python 3\.9, asked for by \.python-version \("3\.9"\), is not available/)
  assert.equal(engine.calls, [])
})

PlanPython('Dockerfiles that take no OS_IMAGE decide the Python: the shape names none, and a .python-version the tool lacks is no error', async () => {
  root = writeFlaskProject(makeTemp('plan-python'), { '.python-version': '3.9\n' })
  const { ctx, events } = taskContext(osEngine(), { root, git, shape: 'detect' })
  assert.is(await runTask(plan, ctx, args(), { dryRun: true }), 0)
  const shape = events.find((e) => e.type === 'shape')
  assert.ok(shape?.type === 'shape' && !('python' in shape && shape.python), 'no python in the shape event')
})

PlanPython.run()
