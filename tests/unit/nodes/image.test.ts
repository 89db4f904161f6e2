import { readFileSync, statSync, utimesSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import type { Event, Reason } from '../../../lib/events.js'
import { execute } from '../../../lib/graph/execute.js'
import { loadGraph } from '../../../lib/pipeline/image-graph.js'
import { openState } from '../../../lib/pipeline/state-record.js'
import { release } from '../../../lib/tasks/release.js'
import { lookOnce } from '../../../lib/nodes/image.js'
import type { FakeEngine } from '../../helpers/fake-engine.js'
import { args, runTask, taskContext } from '../helpers/context.js'
import { makeTemp, removeTemp } from '../helpers/tmp.js'
import { builtEngine, git, pythonEngine, writeFlaskProject, writePythonProject } from '../tasks/helpers/project.js'

// lib/nodes/image.ts, a release's one look: after a release, the next one asks the engine once
// (images.look) and, with nothing changed, nothing else; whatever changed still rebuilds what it
// rebuilds without a state record. On the fake engine; the records go to the test run's
// XDG_CACHE_HOME (tests/run.js).

const skips = (events: Event[]) => Object.fromEntries(events.flatMap((e) => (e.type === 'task:skip' ? [[e.id, e.reason]] : [])))
const builds = (engine: FakeEngine) => engine.calls.filter((c) => c.method === 'build').map((c) => (c.args[0] as { tags: string[] }).tags[0])

/**
 * A release of the project at `root` (config: its .pypackagerc.json): its events. `wheels`: the
 * builder is rebuilt, so the wheels are too, which the fake cannot do: the run stops there.
 */
async function releaseOnce(engine: FakeEngine, config?: Record<string, unknown>, wheels = false): Promise<Event[]> {
  const { ctx, events } = taskContext(engine, { root, git, shape: 'detect', config })
  if (wheels) await runTask(release, ctx, args()).catch(() => undefined)
  else assert.is(await runTask(release, ctx, args()), 0, 'the release succeeds')
  return events
}

/** The project after one release (which built the release image), the engine's log cleared. */
async function released(): Promise<FakeEngine> {
  const engine = await builtEngine(root)
  await releaseOnce(engine)
  engine.calls.length = 0
  return engine
}

let root: string
const Look = suite('a release after a release: the one look')
Look.before.each(() => {
  root = writeFlaskProject(makeTemp('one-look'))
})
Look.after.each(() => removeTemp(root))

Look('nothing changed: one request (images.look), no inspect, no tag, no build; each image says it is current, at its tag', async () => {
  const engine = await released()
  const events = await releaseOnce(engine)
  assert.equal(engine.log(), ['images.look'], 'one request to the engine')
  const current = (name: string): Reason => ({ is: 'current', ref: `acme/app-${name}:abc1234` })
  const s = skips(events)
  assert.equal([s['image:base'], s['image:builder'], s['image:release']], [current('base'), current('builder'), current('release')])
})

Look('an image found up to date carries its size (for --metadata-file) from the answer that found it: the one look, or the inspect without a record', async () => {
  const engine = await builtEngine(root)
  engine.state.images.forEach((i, n) => (i.size = 1000 + n))
  const sizeOf = (tag: string) => engine.state.images.find((i) => i.tags.includes(tag))!.size
  const sizes = async () => {
    const { ctx } = taskContext(engine, { root, git, shape: 'detect' })
    const results = await execute(await release.nodes(ctx, args()), ctx, { emit: () => {}, concurrency: 1 })
    return ['base', 'builder'].map((name) => results.get(`image:${name}`)?.size)
  }
  assert.equal(await sizes(), [sizeOf('acme/app-base:latest'), sizeOf('acme/app-builder:latest')], 'no record yet: the inspect at the tag said')
  engine.calls.length = 0
  assert.equal(await sizes(), [sizeOf('acme/app-base:latest'), sizeOf('acme/app-builder:latest')], 'the one look said')
  assert.equal(engine.log(), ['images.look'], 'and no request was added for it')
})

Look('the release image deleted by hand: it is built again (and the rest is not)', async () => {
  const engine = await released()
  const gone = engine.state.images.find((i) => i.tags.includes('acme/app-release:latest'))!
  engine.state.images.splice(engine.state.images.indexOf(gone), 1)
  await releaseOnce(engine)
  assert.equal(builds(engine), ['acme/app-release:abc1234'])
})

Look('the OS image re-imported under the same name: base is rebuilt, as replaced, and so its children', async () => {
  const engine = await released()
  engine.state.images.find((i) => i.tags.includes('debian:bookworm-slim'))!.id = 'sha256:debian-again'
  const events = await releaseOnce(engine, undefined, true)
  assert.equal(builds(engine), ['acme/app-base:abc1234', 'acme/app-builder:abc1234'], 'base, then the builder (then the wheels, which the fake cannot build)')
  const started = events.find((e) => e.type === 'task:start' && e.id === 'image:base')
  assert.equal(started && started.type === 'task:start' && started.why, { is: 'changed', changes: [{ input: 'from:debian:bookworm-slim', change: 'replaced' }] })
})

Look('a file edited to the same size, its modification time put back: the image is rebuilt', async () => {
  const engine = await released()
  const file = path.join(root, 'docker/release/Dockerfile')
  const before = statSync(file)
  writeFileSync(file, readFileSync(file, 'utf8').replace('COPY wheels /wheels', 'COPY wheels /wheelz'))
  utimesSync(file, before.atime, before.mtime)
  await releaseOnce(engine)
  assert.equal(builds(engine), ['acme/app-release:abc1234'])
})

Look('a config change the release reads (its wsgi target): the release image is rebuilt', async () => {
  const engine = await released()
  await releaseOnce(engine, { release: { wsgi: 'app:other' } })
  assert.equal(builds(engine), ['acme/app-release:abc1234'])
})

Look('--force: every image is built, the record notwithstanding', async () => {
  const engine = await released()
  const { ctx } = taskContext(engine, { root, git, shape: 'detect' })
  await execute(await release.nodes(ctx, args()), ctx, { emit: () => {}, concurrency: 1, force: true }).catch(() => undefined)
  assert.equal(builds(engine), ['acme/app-base:abc1234', 'acme/app-builder:abc1234'], 'base, then the builder (then the wheels, which the fake cannot build)')
})

Look('another Python: its own record; its images are built, not taken for the first Python`s', async () => {
  root = writePythonProject(root, '3.11')
  const engine = pythonEngine()
  const { ctx } = taskContext(engine, { root, git, shape: 'detect' })
  await runTask(release, ctx, args()).catch(() => undefined) // the fake builds no wheels: the first run may stop there
  engine.calls.length = 0
  writePythonProject(root, '3.13')
  await runTask(release, taskContext(engine, { root, git, shape: 'detect' }).ctx, args()).catch(() => undefined)
  assert.ok(builds(engine).includes('acme/app-base:abc1234-py3.13'), `3.13's base is built: ${builds(engine).join(', ')}`)
})

Look.run()

// ---------------------------------------------------------------------------------------------
const LookOnce = suite('lookOnce')
LookOnce.before.each(() => {
  root = writeFlaskProject(makeTemp('look-once'))
})
LookOnce.after.each(() => removeTemp(root))

/** A state record, saved, in which the last release left the base image (and nothing else): its file. */
async function recordedBase(): Promise<string> {
  const file = path.join(root, 'state.json')
  const first = await openState(file)
  first.record('base', { hash: 'h', ref: 'acme/app-base:abc1234', id: 'x' })
  await first.save()
  return file
}

LookOnce('no record, or one missing an image: no request', async () => {
  const engine = await builtEngine(root)
  const { ctx } = taskContext(engine, { root, git, shape: 'detect' })
  const graph = await loadGraph(ctx)
  const state = await openState(path.join(root, 'state.json'))
  assert.equal(await lookOnce(ctx, graph, ['base', 'builder'], undefined), {})
  state.record('base', { hash: 'h', ref: 'acme/app-base:abc1234', id: 'x' })
  assert.equal(await lookOnce(ctx, graph, ['base', 'builder'], state), {}, 'the record has no builder')
  assert.equal(engine.log(), [], 'the engine was not asked')
})

LookOnce('a record of every image: the ids of the external images, the recorded tags and :latest, in one request', async () => {
  const engine = await builtEngine(root)
  const { ctx } = taskContext(engine, { root, git, shape: 'detect' })
  const file = await recordedBase()
  const look = await lookOnce(ctx, await loadGraph(ctx), ['base'], await openState(file))
  const brief = (tag: string) => {
    const i = engine.state.images.find((i) => i.tags.includes(tag))!
    return { id: i.id, size: i.size ?? 0 }
  }
  assert.equal(look, { 'debian:bookworm-slim': brief('debian:bookworm-slim'), 'acme/app-base:abc1234': brief('acme/app-base:latest'), 'acme/app-base:latest': brief('acme/app-base:latest') })
  assert.is(look['debian:bookworm-slim']!.id, 'sha256:debian')
  assert.equal(engine.log(), ['images.look'])
})

LookOnce('an early look that asked every ref: its answer (only those refs), no request; one that missed a ref or failed: the request', async () => {
  const engine = await builtEngine(root)
  const { ctx } = taskContext(engine, { root, git, shape: 'detect' })
  const file = await recordedBase()
  const graph = await loadGraph(ctx)
  const refs = ['debian:bookworm-slim', 'acme/app-base:abc1234', 'acme/app-base:latest', 'acme/gone:1']
  const [d, b, g] = ['d', 'b', 'g'].map((id) => ({ id, size: 1 }))
  const early = { refs, answer: Promise.resolve({ 'debian:bookworm-slim': d, 'acme/app-base:abc1234': b, 'acme/app-base:latest': b, 'acme/gone:1': g }) }
  assert.equal(await lookOnce(ctx, graph, ['base'], await openState(file), early), { 'debian:bookworm-slim': d, 'acme/app-base:abc1234': b, 'acme/app-base:latest': b })
  assert.equal(engine.log(), [], 'the engine was not asked again')
  await lookOnce(ctx, graph, ['base'], await openState(file), { ...early, refs: refs.slice(1) })
  assert.equal(engine.log(), ['images.look'], 'a ref the early look did not ask: asked now')
  await lookOnce(ctx, graph, ['base'], await openState(file), { refs, answer: Promise.resolve(undefined) })
  assert.equal(engine.log(), ['images.look', 'images.look'], 'a failed early look: asked now')
})

LookOnce('records the external FROM images for the next run`s early look', async () => {
  const engine = await builtEngine(root)
  const { ctx } = taskContext(engine, { root, git, shape: 'detect' })
  const file = path.join(root, 'state.json')
  const state = await openState(file)
  state.record('base', { hash: 'h', ref: 'acme/app-base:abc1234', id: 'x' })
  await lookOnce(ctx, await loadGraph(ctx), ['base'], state)
  await state.save()
  assert.equal((await openState(file)).lastLook(), ['debian:bookworm-slim', 'acme/app-base:abc1234', 'acme/app-base:latest'])
})

LookOnce.run()
