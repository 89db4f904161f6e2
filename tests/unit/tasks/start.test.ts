import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import type { ContainerSpec } from '../../../lib/docker/engine.js'
import type { Event } from '../../../lib/events.js'
import { start } from '../../../lib/tasks/environment.js'
import type { TaskArgs } from '../../../lib/tasks/types.js'
import type { FakeEngine } from '../../helpers/fake-engine.js'
import { rejectedUserError } from '../helpers/catch.js'
import { abortedSignal, runTask, taskContext } from '../helpers/context.js'
import { makeTemp, removeTemp } from '../helpers/tmp.js'
import { closedPort, serveApp, type FakeApp } from './helpers/http.js'
import { git, osEngine, releasedEngine, writeEnvironmentProject } from './helpers/project.js'

// The start task (lib/tasks/environment.ts, lib/pipeline/environment.ts) on the fake engine: the
// database image built when missing, the network, the data volume, PostgreSQL (pg_isready: the
// fake's exec), then the app, published on the port of an HTTP server of the test.

const startArgs = (port?: number): TaskArgs => ({ positional: [], options: port === undefined ? {} : { port: String(port) }, rest: [] })
const starts = (engine: FakeEngine) => engine.calls.filter((c) => c.method === 'containers.start').map((c) => c.args[0] as ContainerSpec)
const containerCalls = (engine: FakeEngine) => engine.calls.filter((c) => /^containers\.(start|run)$/.test(c.method))

// ---------------------------------------------------------------------------------------------
const Start = suite('start')
let root: string
let app: FakeApp | undefined
Start.before.each(() => {
  root = writeEnvironmentProject(makeTemp('start'))
})
Start.after.each(async () => {
  await app?.close()
  app = undefined
  removeTemp(root)
})

Start('builds the database image, then starts PostgreSQL and the app on a private network, with DATABASE_URL', async () => {
  app = await serveApp()
  const engine = releasedEngine()
  const { ctx, events } = taskContext(engine, { root, git })
  assert.is(await runTask(start, ctx, startArgs(app.port)), 0)
  assert.ok(
    engine.state.images.some((i) => i.tags.includes('acme/app-postgres:latest')),
    'the database image was built',
  )
  assert.equal(
    engine.state.networks.map((n) => n.name),
    ['acme-app-net'],
  )
  const [volume] = engine.state.volumes
  assert.is(volume?.name, 'acme-app-pgdata', 'the data volume')
  const password = volume.labels['pypackage-tasks.db-password']
  assert.ok(password, 'the volume keeps the database password it was made with')
  const [db, web] = starts(engine)
  assert.equal([db.name, db.image, db.network, db.detached], ['acme-app-db', 'acme/app-postgres:latest', 'acme-app-net', true], 'PostgreSQL, detached, on the network')
  assert.is(db.env?.POSTGRES_PASSWORD, password)
  assert.ok(
    engine.calls.some((c) => c.method === 'containers.exec' && (c.args[1] as string[])[0] === 'pg_isready'),
    'waited with pg_isready',
  )
  assert.equal([web.name, web.image, web.network, web.detached], ['acme-app-web', 'acme/app-release:latest', 'acme-app-net', true], 'the app, detached, on the network')
  assert.equal(web.publish, { containerPort: 8000, hostPort: app.port })
  assert.is(web.env?.DATABASE_URL, `postgres://app:${encodeURIComponent(password)}@acme-app-db:5432/app`)
  assert.equal(
    events.filter((e) => e.type === 'environment:started'),
    [{ type: 'environment:started', db: 'acme-app-db', web: 'acme-app-web', url: `http://127.0.0.1:${app.port}` }],
  )
  assert.equal(
    engine.state.containers.map((c) => [c.name, c.running]),
    [
      ['acme-app-db', true],
      ['acme-app-web', true],
    ],
    'both keep running after the task',
  )
})

Start('a second start finds both running: nothing new is started, the same URL', async () => {
  app = await serveApp()
  const engine = releasedEngine()
  await runTask(start, taskContext(engine, { root, git }).ctx, startArgs(app.port))
  engine.calls.length = 0
  const { ctx, events } = taskContext(engine, { root, git })
  assert.is(await runTask(start, ctx, startArgs(app.port)), 0)
  assert.equal(starts(engine), [], 'no container started')
  assert.equal(
    events.flatMap((e) => (e.type === 'environment:started' ? [e.url] : [])),
    [`http://127.0.0.1:${app.port}`],
  )
  assert.is(engine.state.volumes.length, 1, 'the same volume (and password)')
})

Start('an app that exits before answering: its exit code; its container stays for `logs`', async () => {
  const engine = releasedEngine()
  engine.script = (spec) => (spec.image.startsWith('acme/app-release') ? { exitCode: 3, output: ['KeyError: SECRET_KEY'], exitsAfterMs: 0 } : { exitCode: 0 })
  const { ctx, events } = taskContext(engine, { root, git })
  const e = await rejectedUserError(runTask(start, ctx, startArgs(await closedPort())), 'app exits')
  assert.is(e.message, 'the app exited with code 3 before answering')
  assert.equal(e.details, ['KeyError: SECRET_KEY'])
  assert.equal(
    engine.state.containers.map((c) => [c.name, c.running]),
    [
      ['acme-app-db', true],
      ['acme-app-web', false],
    ],
    'the database runs on; the stopped app stays',
  )
  assert.not.ok(
    events.some((x) => x.type === 'environment:started'),
    'no "started" event',
  )
})

Start('the release image missing: one UserError before any container starts, nothing created', async () => {
  const engine = osEngine()
  const e = await rejectedUserError(runTask(start, taskContext(engine, { root, git }).ctx, startArgs(0)), 'no web image')
  assert.is(e.message, 'image acme/app-release:latest does not exist')
  assert.is(e.hint, 'build it first: pypackage-tasks release')
  assert.equal(containerCalls(engine), [], 'no container')
  assert.equal([engine.state.networks, engine.state.volumes], [[], []], 'no network, no volume')
})

Start('dry run: the database image would be built, then what start would do; nothing is made', async () => {
  const engine = releasedEngine()
  const before = structuredClone(engine.state)
  const { ctx, events } = taskContext(engine, { root, git })
  assert.is(await runTask(start, ctx, startArgs(0), { dryRun: true }), 0)
  const plans = events.flatMap((e) => (e.type === 'plan' ? [`${e.id}: ${e.action}`] : []))
  assert.equal(plans, ['image:postgres: run', 'start: run'])
  const why = (events.at(-1) as Extract<Event, { type: 'plan' }>).why
  assert.equal(why, { is: 'action', intent: { do: 'start', hostPort: 0 } })
  assert.equal(engine.state, before, 'nothing built, created or started')
})

Start('dry run without the release image: the same error as the run', async () => {
  const engine = osEngine()
  const e = await rejectedUserError(runTask(start, taskContext(engine, { root, git }).ctx, startArgs(), { dryRun: true }), 'no web image')
  assert.is(e.message, 'image acme/app-release:latest does not exist')
})

Start('an aborted run stops before touching the engine', async () => {
  const engine = releasedEngine()
  const { ctx, events } = taskContext(engine, { root, git, signal: abortedSignal() })
  const e = await rejectedUserError(runTask(start, ctx, startArgs(0)), 'aborted')
  assert.is(e.message, 'interrupted (SIGINT)')
  assert.equal(engine.calls, [])
  assert.equal(events, [])
})

Start.run()
