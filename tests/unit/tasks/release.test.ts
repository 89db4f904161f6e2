import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import type { Event } from '../../../lib/events.js'
import { release } from '../../../lib/tasks/release.js'
import type { TaskArgs } from '../../../lib/tasks/types.js'
import { UserError } from '../../../lib/errors.js'
import type { FakeEngine } from '../../helpers/fake-engine.js'
import { rejectedUserError } from '../helpers/catch.js'
import { abortedSignal, runTask, taskContext } from '../helpers/context.js'
import { makeTemp, removeTemp } from '../helpers/tmp.js'
import { serveApp, type FakeApp } from './helpers/http.js'
import { CSS, builtEngine, git, osEngine, pythonEngine, writeFlaskProject, writePythonProject } from './helpers/project.js'

// The release task (lib/tasks/release.ts) on the fake engine: the nodes it returns (the image
// pipeline, then the tags and smoke nodes), its dry run, and a release whose base, builder and
// wheels are up to date, so the fake builds the release image, tags it and smoke-tests it.

const releaseArgs = (tags: string[], options: Record<string, string | boolean> = {}): TaskArgs => ({ positional: tags, options, rest: [] })
const plans = (events: Event[]) => events.flatMap((e) => (e.type === 'plan' ? [`${e.id}: ${e.action}: ${e.why}`] : []))
const built = (engine: FakeEngine) => engine.calls.filter((c) => c.method === 'build').length

// ---------------------------------------------------------------------------------------------
const Nodes = suite('release: its nodes')
let root: string
Nodes.before.each(() => {
  root = writeFlaskProject(makeTemp('release'))
})
Nodes.after.each(() => removeTemp(root))

Nodes('release v1 --smoke: tags after the release image, smoke after the tags', async () => {
  const { ctx } = taskContext(osEngine(), { root, git, shape: 'detect' })
  const nodes = await release.nodes(ctx, releaseArgs(['v1'], { smoke: true }))
  const ids = nodes.map((n) => n.id)
  assert.equal(ids.slice(-3), ['image:release', 'tags', 'smoke'], `the last three nodes, got ${ids.join(', ')}`)
  assert.ok(ids.includes('wheels') && ids.includes('image:builder') && ids.includes('image:base'), `the pipeline before them, got ${ids.join(', ')}`)
  const needs = Object.fromEntries(nodes.map((n) => [n.id, n.needs]))
  assert.equal(needs.tags, ['image:release'], 'the tags wait for the release image')
  assert.equal(needs.smoke, ['image:release', 'tags'], 'the smoke test waits for the image and its tags')
})

Nodes('release --smoke: the smoke node needs the release image alone', async () => {
  const { ctx } = taskContext(osEngine(), { root, git, shape: 'detect' })
  const nodes = await release.nodes(ctx, releaseArgs([], { smoke: true }))
  assert.equal(nodes.map((n) => n.id).slice(-2), ['image:release', 'smoke'])
  assert.equal(nodes.at(-1)!.needs, ['image:release'])
})

Nodes('release alone: it ends with the release image, no tags, no smoke', async () => {
  const { ctx } = taskContext(osEngine(), { root, git, shape: 'detect' })
  const ids = (await release.nodes(ctx, releaseArgs([]))).map((n) => n.id)
  assert.is(ids.at(-1), 'image:release')
  assert.not.ok(ids.includes('tags') || ids.includes('smoke'), `no action nodes, got ${ids.join(', ')}`)
})

Nodes('an invalid tag is refused before the engine or the project is read', async () => {
  const engine = osEngine()
  const { ctx } = taskContext(engine, { root, git }) // no shape: asking for it would fail the test with another error
  const e = await rejectedUserError(release.nodes(ctx, releaseArgs(['v1', '.hidden'])), 'invalid tag')
  assert.match(e.message, /"\.hidden" is not a valid image tag/)
  assert.equal(engine.calls, [], 'no engine call')
})

Nodes('nothing to serve: refused before any engine call', async () => {
  removeTemp(root)
  root = writeFlaskProject(makeTemp('release'), { 'app.py': 'print("no app object here")\n' })
  const engine = osEngine()
  const e = await rejectedUserError(release.nodes(taskContext(engine, { root, git, shape: 'detect' }).ctx, releaseArgs([])), 'no entry')
  assert.match(e.message, /^cannot tell which app to serve/)
  assert.match(e.hint ?? '', /"release": \{ "wsgi"/)
  assert.equal(engine.calls, [])
})

Nodes.run()

// ---------------------------------------------------------------------------------------------
const DryRun = suite('release --dry-run')
DryRun.before.each(() => {
  root = writeFlaskProject(makeTemp('release'))
})
DryRun.after.each(() => removeTemp(root))

DryRun('nothing built yet: every stage would run, then the tags and the smoke test, each saying what it would do; nothing is built', async () => {
  const engine = osEngine()
  const { ctx, events } = taskContext(engine, { root, git, shape: 'detect' })
  assert.is(await runTask(release, ctx, releaseArgs(['v1', 'stable'], { smoke: true }), { dryRun: true }), 0)
  const lines = plans(events)
  for (const id of ['image:base', 'image:builder', 'wheels', 'image:release']) {
    assert.ok(
      lines.some((l) => l.startsWith(`${id}: run:`)),
      `${id} would run; got ${lines.join(' | ')}`,
    )
  }
  // Independent nodes settle in any order (prewarm's check reads a file): only what needs what is ordered.
  const why = Object.fromEntries(events.flatMap((e) => (e.type === 'plan' ? [[e.id, e.why]] : [])))
  assert.equal(why.tags, { is: 'action', intent: { do: 'tag', repo: 'acme/app-release', tags: ['abc1234', 'v1', 'stable'] } }, 'the tags it would add')
  assert.equal(why.smoke, { is: 'action', intent: { do: 'smoke', image: 'acme/app-release:latest', paths: ['/', CSS] } }, 'what the smoke test would do')
  const at = (id: string) => lines.findIndex((l) => l.startsWith(`${id}:`))
  assert.ok(at('image:release') < at('tags') && at('tags') < at('smoke'), `the release image, then the tags, then the smoke test; got ${lines.join(' | ')}`)
  assert.is(built(engine), 0, 'nothing built')
  assert.equal(
    engine.state.images.map((i) => i.id),
    ['sha256:debian'],
    'no image made',
  )
})

DryRun('base, builder and wheels up to date: they would be skipped, the release image, tags and smoke would run', async () => {
  const engine = await builtEngine(root)
  const { ctx, events } = taskContext(engine, { root, git, shape: 'detect' })
  await runTask(release, ctx, releaseArgs(['v1'], { smoke: true }), { dryRun: true })
  const actions = events.flatMap((e) => (e.type === 'plan' ? [`${e.id}: ${e.action}`] : []))
  for (const want of ['image:base: skip', 'image:builder: skip', 'wheels: skip', 'image:release: run', 'tags: run', 'smoke: run']) {
    assert.ok(actions.includes(want), `${want}; got ${actions.join(', ')}`)
  }
  assert.is(built(engine), 0, 'nothing built')
  assert.not.ok(
    engine.calls.some((c) => c.method === 'images.tag' || c.method.startsWith('containers.')),
    'nothing tagged, no container',
  )
})

DryRun('an aborted run stops before touching the engine', async () => {
  const engine = osEngine()
  const { ctx, events } = taskContext(engine, { root, git, shape: 'detect', signal: abortedSignal() })
  const e = await rejectedUserError(runTask(release, ctx, releaseArgs(['v1'], { smoke: true })), 'aborted')
  assert.is(e.message, 'interrupted (SIGINT)')
  assert.equal(engine.calls, [])
  assert.equal(events, [])
})

DryRun.run()

// ---------------------------------------------------------------------------------------------
const Run = suite('release v1 --smoke (base, builder, wheels up to date)')
let app: FakeApp | undefined
Run.before.each(() => {
  root = writeFlaskProject(makeTemp('release'))
})
Run.after.each(async () => {
  await app?.close()
  app = undefined
  removeTemp(root)
})

Run('builds the release image, tags what it built, then smoke-tests it', async () => {
  app = await serveApp()
  const engine = await builtEngine(root)
  engine.freePort = app.port
  const { ctx, events } = taskContext(engine, { root, git, shape: 'detect' })
  assert.is(await runTask(release, ctx, releaseArgs(['v1'], { smoke: true })), 0)
  assert.is(built(engine), 1, 'one build: the release image')
  const image = engine.state.images.find((i) => i.tags.includes('acme/app-release:latest'))!
  assert.equal(image.tags.sort(), ['acme/app-release:abc1234', 'acme/app-release:latest', 'acme/app-release:v1'], 'the release image carries the commit, latest and v1')
  assert.is(image.labels['pypackage-tasks.python'], undefined, 'its Dockerfiles decide its Python (no OS_IMAGE): no label claims one')
  const order = events.flatMap((e) => (e.type === 'task:done' && e.id.startsWith('image:') ? [e.id] : e.type === 'tagged' || e.type === 'smoke:ready' ? [e.type] : []))
  assert.equal(order, ['image:release', 'tagged', 'smoke:ready'], 'built, then tagged, then smoke-tested')
  const started = engine.calls.find((c) => c.method === 'containers.start')!.args[0] as { image: string }
  assert.is(started.image, 'acme/app-release:latest', 'the smoke test runs the image just built')
  assert.equal(app.requests, ['/', '/', CSS], 'GET / until it answers, then / and the static file')
  assert.equal(engine.state.containers, [], 'the smoke container is removed')
  assert.not.ok(
    engine.calls.some((c) => c.method === 'containers.run'),
    'the wheels were up to date: no builder container',
  )
})

Run('a failing smoke test fails the release; the image is built and tagged already', async () => {
  app = await serveApp(() => 500)
  const engine = await builtEngine(root)
  engine.freePort = app.port
  const { ctx } = taskContext(engine, { root, git, shape: 'detect' })
  const e = await rejectedUserError(runTask(release, ctx, releaseArgs(['v1'], { smoke: true })), 'smoke fails')
  assert.match(e.message, /^smoke test failed: GET \/ → 500/)
  assert.ok(
    engine.state.images.some((i) => i.tags.includes('acme/app-release:v1')),
    'v1 was tagged before the smoke test',
  )
})

Run('the build failing: no tags, no smoke test', async () => {
  const engine = await builtEngine(root)
  engine.build = async (req) => {
    for await (const chunk of req.context) void chunk // as the engine does, read the context first
    throw new UserError('docker/release: step 3/3 COPY wheels /wheels failed: no source files')
  }
  const { ctx, events } = taskContext(engine, { root, git, shape: 'detect' })
  const e = await rejectedUserError(runTask(release, ctx, releaseArgs(['v1'], { smoke: true })), 'build fails')
  assert.match(e.message, /COPY wheels/, "the build's error")
  assert.not.ok(
    engine.calls.some((c) => c.method === 'images.tag' && c.args[2] === 'v1'),
    'v1 not tagged',
  )
  assert.not.ok(
    engine.calls.some((c) => c.method === 'containers.start'),
    'no smoke container',
  )
  assert.not.ok(
    events.some((x) => x.type === 'tagged'),
    'no "tagged" event',
  )
})

Run.run()

// ---------------------------------------------------------------------------------------------
const Python = suite('release for Python 3.13')
Python.after.each(async () => {
  await app?.close()
  app = undefined
  removeTemp(root)
})

Python('base FROM trixie with the version as build args; every image tagged -py3.13; the release labelled with its Python', async () => {
  app = await serveApp()
  root = writePythonProject(makeTemp('release-python'), '3.13')
  const engine = pythonEngine()
  engine.freePort = app.port
  const { ctx } = taskContext(engine, { root, git, shape: 'detect' })
  await builtEngine(root, engine) // base, builder and wheels for 3.13
  assert.is(await runTask(release, ctx, releaseArgs(['v1'], { smoke: true })), 0)
  const base = engine.state.images.find((i) => i.tags.includes('acme/app-base:latest'))!
  assert.equal(base.tags.sort(), ['acme/app-base:abc1234-py3.13', 'acme/app-base:latest'], "3.13's base: its own version tag")
  const image = engine.state.images.find((i) => i.tags.includes('acme/app-release:latest'))!
  assert.equal(image.tags.sort(), ['acme/app-release:abc1234-py3.13', 'acme/app-release:latest', 'acme/app-release:v1'], 'the commit tag with the suffix; v1 and latest as they are')
  assert.is(image.labels['pypackage-tasks.python'], '3.13')
  assert.is(image.labels['pypackage-tasks.os-image'], 'debian:trixie-slim')
})

Python('the same commit for 3.11 then 3.13 (a dirty tree trying one): both Pythons keep their images, and switching back builds nothing', async () => {
  root = writePythonProject(makeTemp('release-python'), '3.11')
  const engine = pythonEngine()
  const dirty = { sha: 'abc1234', dirty: true }
  const buildsOf = () => engine.calls.filter((c) => c.method === 'build').map((c) => (c.args[0] as { tags: string[] }).tags[0])
  await runTask(release, taskContext(engine, { root, git: dirty, shape: 'detect' }).ctx, releaseArgs([]), {}).catch(() => undefined)
  const first = buildsOf()
  assert.ok(first.includes('acme/app-base:abc1234-dirty'), `3.11's base built under today's tag: ${first.join(', ')}`)
  engine.calls.length = 0
  writePythonProject(root, '3.13')
  await runTask(release, taskContext(engine, { root, git: dirty, shape: 'detect' }).ctx, releaseArgs([]), {}).catch(() => undefined)
  assert.ok(buildsOf().includes('acme/app-base:abc1234-dirty-py3.13'), `3.13's base beside it: ${buildsOf().join(', ')}`)
  const has = (ref: string) => engine.state.images.some((i) => i.tags.includes(ref))
  assert.ok(has('acme/app-base:abc1234-dirty') && has('acme/app-base:abc1234-dirty-py3.13'), 'both bases are on the engine')
  engine.calls.length = 0
  writePythonProject(root, '3.11')
  const { ctx, events } = taskContext(engine, { root, git: dirty, shape: 'detect' })
  await runTask(release, ctx, releaseArgs([]), { dryRun: true })
  const base = events.find((e) => e.type === 'plan' && e.id === 'image:base')
  assert.equal(base && base.type === 'plan' && [base.action, base.why], ['skip', { is: 'current', ref: 'acme/app-base:abc1234-dirty' }], 'back on 3.11: its base is found at its own tag')
})

Python.run()
