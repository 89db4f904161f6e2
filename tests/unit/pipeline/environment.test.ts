import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import type { ContainerSpec } from '../../../lib/docker/engine.js'
import { LABEL_PROJECT, LABEL_TASK } from '../../../lib/docker/labels.js'
import { ensureInfrastructure, environment, runOnce, startDatabase, startWeb, stopEnvironment } from '../../../lib/pipeline/environment.js'
import { createFakeEngine, type FakeEngine, type FakeState } from '../../helpers/fake-engine.js'
import { rejectedUserError } from '../helpers/catch.js'
import { config } from '../helpers/config.js'
import { taskContext } from '../helpers/context.js'

// lib/pipeline/environment.ts (the release environment: network, data volume, PostgreSQL, the
// app) on the fake engine. The tasks over it (start, stop, logs, clean) are in
// tests/unit/environment.test.ts; here, the pieces themselves.

const PASSWORD_LABEL = 'pypackage-tasks.db-password'
const ours = { [LABEL_PROJECT]: 'acme/app', [LABEL_TASK]: 'environment' }
const images: FakeState['images'] = [
  { id: 'sha256:pg', tags: ['acme/app-postgres:latest'], labels: {}, created: 1 },
  { id: 'sha256:rel', tags: ['acme/app-release:latest'], labels: {}, created: 2 },
]

/** A context for the project acme/app (root unused: nothing here reads files) over `engine`. */
function contextOn(engine: FakeEngine, overrides: Record<string, unknown> = {}) {
  const made = taskContext(engine, { root: '/nonexistent/acme' })
  made.ctx.project.config = config(overrides)
  return made
}

/** The specs of the containers the code started or ran, in order. */
const specs = (engine: FakeEngine) => engine.calls.filter((c) => c.method === 'containers.start' || c.method === 'containers.run').map((c) => c.args[0] as ContainerSpec)

// ---------------------------------------------------------------------------------------------
const Names = suite('environment: names')

Names('every name from the project prefix, the images from the config', () => {
  const { ctx } = contextOn(createFakeEngine())
  assert.equal(environment(ctx), {
    stem: 'acme-app',
    network: 'acme-app-net',
    volume: 'acme-app-pgdata',
    db: 'acme-app-db',
    web: 'acme-app-web',
    dbImage: 'acme/app-postgres:latest',
    webImage: 'acme/app-release:latest',
    labels: ours,
  })
})

Names('a prefix with characters Docker refuses in names: a safe stem; other image folders from the config', () => {
  const { ctx } = contextOn(createFakeEngine(), { environment: { database: 'db' }, images: { release: 'web' } })
  ctx.project.prefix = 'registry.example:5000/team/app'
  const env = environment(ctx)
  assert.is(env.stem, 'registry.example-5000-team-app', 'runs of other characters become one "-"')
  assert.is(env.dbImage, 'registry.example:5000/team/app-db:latest', '"environment.database" names the database image folder')
  assert.is(env.webImage, 'registry.example:5000/team/app-web:latest', '"images.release" names the app image')
  assert.is(env.labels[LABEL_PROJECT], 'registry.example:5000/team/app', 'the label keeps the real prefix (clean selects by it)')
})

Names.run()

// ---------------------------------------------------------------------------------------------
const Infra = suite('ensureInfrastructure')

Infra('on an empty engine: a labelled network and a data volume holding a new password', async () => {
  const engine = createFakeEngine()
  const env = environment(contextOn(engine).ctx)
  const { password } = await ensureInfrastructure(engine, env)
  assert.equal(
    engine.state.networks.map((n) => [n.name, n.labels]),
    [['acme-app-net', ours]],
    'one network, labelled',
  )
  assert.equal(engine.state.volumes, [{ name: 'acme-app-pgdata', labels: { ...ours, [PASSWORD_LABEL]: password } }], 'one volume, labelled with the password')
  assert.match(password, /^[A-Za-z0-9_-]{24}$/, '18 random bytes, base64url: safe in a URL and a shell')
})

Infra('a second time: nothing created, the same password (the database was initialised with it)', async () => {
  const engine = createFakeEngine()
  const env = environment(contextOn(engine).ctx)
  const first = await ensureInfrastructure(engine, env)
  engine.calls.length = 0
  const second = await ensureInfrastructure(engine, env)
  assert.is(second.password, first.password, 'the password is read back from the volume')
  assert.equal(engine.log(), ['networks.inspect acme-app-net', 'volumes.inspect acme-app-pgdata'], 'lookups only')
})

Infra('the network gone but the volume kept (after clean of the network alone): the network again, the data kept', async () => {
  const engine = createFakeEngine({ volumes: [{ name: 'acme-app-pgdata', labels: { ...ours, [PASSWORD_LABEL]: 'kept' } }] })
  const env = environment(contextOn(engine).ctx)
  assert.equal(await ensureInfrastructure(engine, env), { password: 'kept' })
  assert.equal(
    engine.log().filter((l) => l.includes('create')),
    ['networks.create acme-app-net'],
    'only the network is created',
  )
})

Infra('a volume without the password label (made by hand): the password is empty, not undefined', async () => {
  const engine = createFakeEngine({ volumes: [{ name: 'acme-app-pgdata', labels: {} }] })
  assert.equal(await ensureInfrastructure(engine, environment(contextOn(engine).ctx)), { password: '' })
})

Infra.run()

// ---------------------------------------------------------------------------------------------
const Once = suite('runOnce: a one-off command with DATABASE_URL')

Once('on the network, labelled, with the app env and DATABASE_URL (password URL-encoded); output as events', async () => {
  const engine = createFakeEngine({ images })
  engine.script = () => ({ exitCode: 3, output: ['No migrations to apply.'] })
  const { ctx, events } = contextOn(engine, { release: { env: { DJANGO_DEBUG: '0' } }, run: { env: { SENTRY: 'off' } } })
  const env = environment(ctx)
  const code = await runOnce(ctx, env, 'p@ss/w:rd', ['python', 'manage.py', 'migrate'], { user: 'root', env: { EXTRA: '1', DATABASE_URL: 'ignored' } })
  assert.is(code, 3, "the command's exit code")
  const [spec] = specs(engine)
  assert.is(spec.image, 'acme/app-release:latest')
  assert.equal(spec.cmd, ['python', 'manage.py', 'migrate'])
  assert.is(spec.user, 'root')
  assert.is(spec.network, 'acme-app-net')
  assert.equal(spec.labels, { ...ours, [LABEL_TASK]: 'manage' })
  assert.equal(
    spec.env,
    { DJANGO_DEBUG: '0', SENTRY: 'off', EXTRA: '1', DATABASE_URL: 'postgres://app:p%40ss%2Fw%3Ard@acme-app-db:5432/app' },
    "DATABASE_URL reaches the db container by name, and wins over a caller's own",
  )
  assert.equal(events, [{ type: 'output', stream: 'stdout', line: 'No migrations to apply.' }])
})

Once.run()

// ---------------------------------------------------------------------------------------------
const Db = suite('startDatabase')

Db('starts PostgreSQL detached on the network with the volume and the password, then waits for pg_isready', async () => {
  const engine = createFakeEngine({ images })
  const { ctx } = contextOn(engine)
  const env = environment(ctx)
  await startDatabase(ctx, env, 'pw')
  const [spec] = specs(engine)
  assert.equal(
    { image: spec.image, name: spec.name, env: spec.env, binds: spec.binds, network: spec.network, aliases: spec.aliases, detached: spec.detached, labels: spec.labels },
    {
      image: 'acme/app-postgres:latest',
      name: 'acme-app-db',
      env: { POSTGRES_USER: 'app', POSTGRES_DB: 'app', POSTGRES_PASSWORD: 'pw' },
      binds: ['acme-app-pgdata:/var/lib/postgresql/data'],
      network: 'acme-app-net',
      aliases: ['db'],
      detached: true,
      labels: { ...ours, [LABEL_TASK]: 'environment-db' },
    },
  )
  const exec = engine.calls.find((c) => c.method === 'containers.exec')
  assert.equal(exec?.args, ['acme-app-db', ['pg_isready', '-q', '-h', '127.0.0.1', '-U', 'app', '-d', 'app']], 'asked pg_isready in the container')
})

Db('already running: not started again, only waited for', async () => {
  const engine = createFakeEngine({
    images,
    containers: [{ id: 'c1', name: 'acme-app-db', image: 'sha256:pg', labels: ours, running: true, exitCode: 0, hostPorts: {}, output: [] }],
  })
  const { ctx } = contextOn(engine)
  await startDatabase(ctx, environment(ctx), 'pw')
  assert.equal(specs(engine), [], 'nothing started')
  assert.equal(
    engine.state.containers.map((c) => c.id),
    ['c1'],
    'the running one kept',
  )
})

Db('a stopped one is removed and started afresh (its name is taken otherwise)', async () => {
  const engine = createFakeEngine({
    images,
    containers: [{ id: 'c-old', name: 'acme-app-db', image: 'sha256:pg', labels: ours, running: false, exitCode: 1, hostPorts: {}, output: [] }],
  })
  const { ctx } = contextOn(engine)
  await startDatabase(ctx, environment(ctx), 'pw')
  assert.ok(engine.log().includes('containers.remove acme-app-db'), 'the stopped one removed')
  assert.is(specs(engine).length, 1, 'a new one started')
  assert.not.ok(engine.state.containers.some((c) => c.id === 'c-old'))
})

Db('no database image: a UserError saying how to build it, nothing started', async () => {
  const engine = createFakeEngine()
  const { ctx } = contextOn(engine)
  const e = await rejectedUserError(startDatabase(ctx, environment(ctx), 'pw'), 'no postgres image')
  assert.is(e.message, 'image acme/app-postgres:latest does not exist')
  assert.is(e.hint, 'build it: pypackage-tasks image docker/postgres')
  assert.equal(specs(engine), [])
})

Db('never ready: a UserError after the deadline, pointing at its log', async () => {
  const engine = createFakeEngine({ images })
  engine.execExitCode = 2 // pg_isready: no response
  const { ctx } = contextOn(engine)
  const e = await rejectedUserError(startDatabase(ctx, environment(ctx), 'pw', 0), 'a database that never answers')
  assert.is(e.message, 'the database did not accept connections within 0 s')
  assert.match(e.hint ?? '', /logs db/)
})

Db('the container stops while waited for: a UserError with its log', async () => {
  const engine = createFakeEngine({ images })
  engine.script = () => ({ exitCode: 1, output: ['FATAL: data directory has wrong ownership'] })
  const { ctx } = contextOn(engine)
  const env = environment(ctx)
  // It starts, then stops before answering.
  const inspect = engine.containers.inspect
  engine.containers.inspect = async (name) => {
    const info = await inspect(name)
    return info && specs(engine).length ? { ...info, running: false } : info
  }
  const e = await rejectedUserError(startDatabase(ctx, env, 'pw'), 'a database that stops')
  assert.is(e.message, 'the database container stopped')
  assert.equal(e.details, ['FATAL: data directory has wrong ownership'], 'its log under the error')
})

Db.run()

// ---------------------------------------------------------------------------------------------
const Web = suite('startWeb and stopEnvironment')

let server: http.Server
let port: number
Web.before(async () => {
  server = http.createServer((_, res) => res.end('ok'))
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  port = (server.address() as AddressInfo).port
})
Web.after(() => new Promise<void>((r) => server.close(() => r())))

Web('starts the app detached, published, with DATABASE_URL, and answers its port once it answers HTTP', async () => {
  const engine = createFakeEngine({ images })
  const { ctx } = contextOn(engine)
  const env = environment(ctx)
  // The fake publishes on the port asked: a local server stands in for the app.
  assert.is(await startWeb(ctx, env, 'pw', port, 5000), `http://127.0.0.1:${port}`)
  const [spec] = specs(engine)
  assert.is(spec.name, 'acme-app-web')
  assert.is(spec.network, 'acme-app-net')
  assert.equal(spec.publish, { containerPort: 8000, hostPort: port })
  assert.is(spec.detached, true, 'it outlives the run')
  assert.is(spec.env?.DATABASE_URL, 'postgres://app:pw@acme-app-db:5432/app')
  assert.equal(spec.labels, { ...ours, [LABEL_TASK]: 'environment-web' })
  assert.ok(spec.hardened, 'start runs hardened by default')
})

Web('already running: its published port, nothing started', async () => {
  const engine = createFakeEngine({
    images,
    containers: [{ id: 'c1', name: 'acme-app-web', image: 'sha256:rel', labels: ours, running: true, exitCode: 0, hostPorts: { 8000: 41000 }, output: [] }],
  })
  const { ctx } = contextOn(engine)
  assert.is(await startWeb(ctx, environment(ctx), 'pw', 0), 'http://127.0.0.1:41000')
  assert.equal(specs(engine), [])
})

Web('stopEnvironment: removes the app and the database (with their anonymous volumes), keeps the data volume', async () => {
  const engine = createFakeEngine({
    images,
    containers: [
      { id: 'c1', name: 'acme-app-web', image: 'sha256:rel', labels: ours, running: true, exitCode: 0, hostPorts: {}, output: [] },
      { id: 'c2', name: 'acme-app-db', image: 'sha256:pg', labels: ours, running: true, exitCode: 0, hostPorts: {}, output: [] },
    ],
    volumes: [{ name: 'acme-app-pgdata', labels: ours }],
  })
  const env = environment(contextOn(engine).ctx)
  assert.equal(await stopEnvironment(engine, env), ['acme-app-web', 'acme-app-db'], 'the app first, then its database')
  assert.equal(engine.state.containers, [])
  assert.equal(
    engine.state.volumes.map((v) => v.name),
    ['acme-app-pgdata'],
    'the data stays',
  )
  assert.equal(
    engine.calls.filter((c) => c.method === 'containers.remove').map((c) => c.args[1]),
    [{ volumes: true }, { volumes: true }],
  )
  assert.equal(await stopEnvironment(engine, env), [], 'a second stop stops nothing')
})

Web.run()
