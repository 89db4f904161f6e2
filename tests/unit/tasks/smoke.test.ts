import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import type { ContainerSpec } from '../../../lib/docker/engine.js'
import { LABEL_PROJECT, LABEL_TASK } from '../../../lib/docker/labels.js'
import type { Event } from '../../../lib/events.js'
import { smoke } from '../../../lib/tasks/smoke.js'
import { createFakeEngine, type FakeEngine, type FakeState } from '../../helpers/fake-engine.js'
import { rejectedUserError } from '../helpers/catch.js'
import { PREFIX, abortedSignal, args, runTask, taskContext } from '../helpers/context.js'
import { makeTemp, removeTemp, writeTree } from '../helpers/tmp.js'
import { closedPort, serveApp, type FakeApp } from './helpers/http.js'

// The smoke task (lib/tasks/smoke.ts, lib/nodes/smoke.ts, lib/pipeline/smoke.ts) against the fake
// engine. The fake publishes the container's port on `engine.freePort`: an HTTP server of the test
// listens there and plays the app.

const released = (): FakeState => ({
  images: [{ id: 'sha256:rel', tags: ['acme/app-release:latest'], labels: { [LABEL_PROJECT]: PREFIX }, created: 200 }],
  containers: [],
  networks: [],
  volumes: [],
})
const CSS = '/static/polls/style.css'
const answers = (events: Event[]) => events.flatMap((e) => (e.type === 'smoke:response' ? [`GET ${e.path} → ${e.status}`] : []))
const started = (engine: FakeEngine) => engine.calls.filter((c) => c.method === 'containers.start').map((c) => c.args[0] as ContainerSpec)

// ---------------------------------------------------------------------------------------------
const Smoke = suite('smoke')
let root: string
let app: FakeApp | undefined
Smoke.before.each(() => {
  root = makeTemp('smoke')
  writeTree(root, { 'app.py': 'print("hi")\n', 'polls/static/polls/style.css': 'body {}\n' })
})
Smoke.after.each(async () => {
  await app?.close()
  app = undefined
  removeTemp(root)
})

Smoke('starts the release image on a free port, GETs / and a static file, then removes the container', async () => {
  app = await serveApp()
  const engine = createFakeEngine(released())
  engine.freePort = app.port
  const { ctx, events } = taskContext(engine, { root })
  assert.is(await runTask(smoke, ctx, args()), 0)
  assert.equal(answers(events), ['GET / → 200', `GET ${CSS} → 200`], 'a "smoke:response" per path, in order')
  const ready = events.find((e) => e.type === 'smoke:ready')
  assert.equal(ready && { image: ready.image, url: ready.url }, { image: 'acme/app-release:latest', url: `http://127.0.0.1:${app.port}` }, 'one "smoke:ready" naming the image and its URL')
  const [spec] = started(engine)
  assert.is(spec.image, 'acme/app-release:latest')
  assert.equal(spec.publish, { containerPort: 8000, hostPort: 0 }, 'the app port published on any free host port')
  assert.is(spec.labels?.[LABEL_TASK], 'smoke', 'labelled with the task, for clean')
  assert.ok(spec.hardened, 'hardened by default')
  assert.ok(app.requests.includes(CSS), 'the static file was asked for')
  assert.equal(engine.state.containers, [], 'the container is removed')
})

Smoke("an answer of 500: a UserError naming it, with the app's output; the container is removed", async () => {
  app = await serveApp((p) => (p === '/' ? 500 : 200))
  const engine = createFakeEngine(released())
  engine.freePort = app.port
  engine.script = () => ({ exitCode: 0, output: ['[INFO] Booting worker', 'Internal Server Error: /'] })
  const { ctx, events } = taskContext(engine, { root })
  const e = await rejectedUserError(runTask(smoke, ctx, args()), '500')
  assert.is(e.message, 'smoke test failed: GET / → 500')
  assert.equal(e.details, ['[INFO] Booting worker', 'Internal Server Error: /'], "the app's last lines")
  assert.is(e.hint, "the app's log is above")
  assert.equal(answers(events), ['GET / → 500', `GET ${CSS} → 200`], 'every path is tried before failing')
  assert.equal(engine.state.containers, [], 'the container is removed')
})

Smoke('an app that exits before answering: its exit code and its output; the container is removed', async () => {
  const engine = createFakeEngine(released())
  engine.freePort = await closedPort()
  engine.script = () => ({ exitCode: 3, output: ['ModuleNotFoundError: No module named "polls"'], exitsAfterMs: 0 })
  const { ctx, events } = taskContext(engine, { root })
  const e = await rejectedUserError(runTask(smoke, ctx, args()), 'app exits')
  assert.is(e.message, 'the app exited with code 3 before answering')
  assert.equal(e.details, ['ModuleNotFoundError: No module named "polls"'])
  assert.not.ok(
    events.some((x) => x.type === 'smoke:ready'),
    'never "ready"',
  )
  assert.equal(engine.state.containers, [], 'the container is removed')
})

Smoke('dry run: names the image and the paths, after checking the image exists; starts nothing', async () => {
  const engine = createFakeEngine(released())
  const { ctx, events } = taskContext(engine, { root })
  assert.is(await runTask(smoke, ctx, args(), { dryRun: true }), 0)
  assert.equal(events, [{ type: 'plan', id: 'smoke', title: 'Smoke test', action: 'run', why: { is: 'action', intent: { do: 'smoke', image: 'acme/app-release:latest', paths: ['/', CSS] } } }])
  assert.equal(engine.log(), ['images.inspect acme/app-release:latest'], 'one lookup')
})

Smoke('no static file in the source: only / is asked for', async () => {
  removeTemp(root)
  root = writeTree(makeTemp('smoke'), { 'app.py': 'print("hi")\n' })
  const engine = createFakeEngine(released())
  const { ctx, events } = taskContext(engine, { root })
  await runTask(smoke, ctx, args(), { dryRun: true })
  assert.equal(
    events.map((e) => e.type === 'plan' && e.why),
    [{ is: 'action', intent: { do: 'smoke', image: 'acme/app-release:latest', paths: ['/'] } }],
  )
})

Smoke('no release image: a UserError saying to build it, before any container starts (run and dry run)', async () => {
  for (const dryRun of [false, true]) {
    const engine = createFakeEngine()
    const e = await rejectedUserError(runTask(smoke, taskContext(engine, { root }).ctx, args(), { dryRun }), `no image, dry run ${dryRun}`)
    assert.is(e.message, 'image acme/app-release:latest does not exist', `dry run ${dryRun}`)
    assert.is(e.hint, 'build it first: pypackage-tasks release')
    assert.equal(engine.log(), ['images.inspect acme/app-release:latest'], `dry run ${dryRun}: the lookup only`)
  }
})

Smoke('an aborted run stops before touching the engine', async () => {
  const engine = createFakeEngine(released())
  const { ctx, events } = taskContext(engine, { root, signal: abortedSignal() })
  const e = await rejectedUserError(runTask(smoke, ctx, args()), 'aborted')
  assert.is(e.message, 'interrupted (SIGINT)')
  assert.equal(engine.calls, [])
  assert.equal(events, [])
})

Smoke('Ctrl-C while waiting for the app: interrupted, and the container is removed', async () => {
  const engine = createFakeEngine(released())
  engine.freePort = await closedPort() // it never answers
  const controller = new AbortController()
  engine.script = () => {
    setTimeout(() => controller.abort('SIGINT'), 50)
    return { exitCode: 0 }
  }
  const { ctx } = taskContext(engine, { root, signal: controller.signal })
  const e = await rejectedUserError(runTask(smoke, ctx, args()), 'interrupted')
  assert.is(e.message, 'interrupted (SIGINT)')
  assert.is(started(engine).length, 1, 'it had started')
  assert.equal(engine.state.containers, [], 'the container is removed')
})

Smoke.run()
