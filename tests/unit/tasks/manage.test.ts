import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import type { ContainerSpec } from '../../../lib/docker/engine.js'
import type { Event } from '../../../lib/events.js'
import { manage } from '../../../lib/tasks/environment.js'
import type { TaskArgs } from '../../../lib/tasks/types.js'
import type { FakeEngine } from '../../helpers/fake-engine.js'
import { rejectedUserError } from '../helpers/catch.js'
import { abortedSignal, runTask, taskContext } from '../helpers/context.js'
import { makeTemp, removeTemp } from '../helpers/tmp.js'
import { git, osEngine, releasedEngine, writeEnvironmentProject } from './helpers/project.js'

// The manage task (lib/tasks/environment.ts) on the fake engine: a management command in the
// release image, against the environment's database, with the command's exit code.

const manageArgs = (positional: string[], rest: string[] = []): TaskArgs => ({ positional, options: {}, rest })
const runs = (engine: FakeEngine) => engine.calls.filter((c) => c.method === 'containers.run').map((c) => c.args[0] as ContainerSpec)

// ---------------------------------------------------------------------------------------------
const Manage = suite('manage')
let root: string
Manage.before.each(() => {
  root = writeEnvironmentProject(makeTemp('manage'))
})
Manage.after.each(() => removeTemp(root))

Manage("runs python -m django <command> <options> against the database; the exit code is the command's", async () => {
  const engine = releasedEngine()
  engine.script = (spec) => (spec.cmd?.includes('showmigrations') ? { exitCode: 4, output: ['polls', ' [ ] 0001_initial'] } : { exitCode: 0 })
  const { ctx, events } = taskContext(engine, { root, git })
  assert.is(await runTask(manage, ctx, manageArgs(['showmigrations'], ['--plan'])), 4, "the command's exit code")
  const [spec] = runs(engine)
  assert.equal(spec.cmd, ['python', '-m', 'django', 'showmigrations', '--plan'], 'the command, then the words after --')
  assert.is(spec.network, 'acme-app-net')
  assert.match(spec.env?.DATABASE_URL ?? '', /^postgres:\/\/app:.+@acme-app-db:5432\/app$/)
  assert.equal(
    events.flatMap((e) => (e.type === 'output' ? [e.line] : [])),
    ['polls', ' [ ] 0001_initial'],
    'its output, line by line',
  )
  assert.ok(
    engine.state.containers.some((c) => c.name === 'acme-app-db' && c.running),
    'the database was started and keeps running',
  )
  assert.is(engine.state.containers.length, 1, 'the command container is removed')
})

Manage('a second command: the password the data volume was made with, as the database has it', async () => {
  const engine = releasedEngine()
  await runTask(manage, taskContext(engine, { root, git }).ctx, manageArgs(['migrate']))
  engine.state.containers = [] // the database stopped (stop): the volume stays, with its password
  await runTask(manage, taskContext(engine, { root, git }).ctx, manageArgs(['migrate']))
  const [first, second] = runs(engine).map((s) => s.env?.DATABASE_URL)
  assert.is(second, first, 'the same DATABASE_URL both times')
  const dbs = engine.calls.filter((c) => c.method === 'containers.start').map((c) => (c.args[0] as ContainerSpec).env?.POSTGRES_PASSWORD)
  assert.is(dbs.length, 2, 'the database was started twice')
  assert.is(dbs[1], dbs[0], 'with the same password')
  assert.ok(first?.includes(`:${encodeURIComponent(dbs[0]!)}@`), 'which DATABASE_URL carries')
})

Manage('a command that succeeds: exit code 0', async () => {
  const engine = releasedEngine()
  assert.is(await runTask(manage, taskContext(engine, { root, git }).ctx, manageArgs(['migrate'])), 0)
})

Manage('no command: a UserError with an example, before any engine call', async () => {
  const engine = releasedEngine()
  const e = await rejectedUserError(runTask(manage, taskContext(engine, { root, git }).ctx, manageArgs([])), 'no command')
  assert.is(e.message, 'manage needs a management command')
  assert.match(e.hint ?? '', /manage showmigrations/)
  assert.equal(engine.calls, [])
})

Manage('dry run: names the command; builds, creates and runs nothing', async () => {
  const engine = releasedEngine()
  const before = structuredClone(engine.state)
  const { ctx, events } = taskContext(engine, { root, git })
  assert.is(await runTask(manage, ctx, manageArgs(['migrate'], ['--plan']), { dryRun: true }), 0)
  const last = events.at(-1) as Extract<Event, { type: 'plan' }>
  assert.equal([last.id, last.why], ['manage', { is: 'action', intent: { do: 'manage', argv: ['migrate', '--plan'] } }])
  assert.equal(engine.state, before)
})

Manage('the release image missing: one UserError before any container starts', async () => {
  const engine = osEngine()
  const e = await rejectedUserError(runTask(manage, taskContext(engine, { root, git }).ctx, manageArgs(['migrate'])), 'no web image')
  assert.is(e.message, 'image acme/app-release:latest does not exist')
  assert.not.ok(
    engine.calls.some((c) => /^containers\.(start|run)$/.test(c.method)),
    'no container',
  )
})

Manage('an aborted run stops before touching the engine', async () => {
  const engine = releasedEngine()
  const { ctx, events } = taskContext(engine, { root, git, signal: abortedSignal() })
  const e = await rejectedUserError(runTask(manage, ctx, manageArgs(['migrate'])), 'aborted')
  assert.is(e.message, 'interrupted (SIGINT)')
  assert.equal(engine.calls, [])
  assert.equal(events, [])
})

Manage.run()
