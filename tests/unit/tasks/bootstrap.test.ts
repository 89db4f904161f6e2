import { rmSync } from 'node:fs'
import path from 'node:path'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import type { ContainerSpec } from '../../../lib/docker/engine.js'
import type { Event } from '../../../lib/events.js'
import { bootstrap } from '../../../lib/tasks/environment.js'
import type { FakeEngine } from '../../helpers/fake-engine.js'
import { rejectedUserError } from '../helpers/catch.js'
import { abortedSignal, args, runTask, taskContext } from '../helpers/context.js'
import { makeTemp, removeTemp, writeTree } from '../helpers/tmp.js'
import { RELEASE_COMMAND, git, osEngine, releasedEngine, writeEnvironmentProject } from './helpers/project.js'

// The bootstrap task (lib/tasks/environment.ts) on the fake engine: the database started, then one
// container per step (the Procfile's release phase, the superuser) against it.

const SUPERUSER = ['DJANGO_SUPERUSER_USERNAME', 'DJANGO_SUPERUSER_EMAIL', 'DJANGO_SUPERUSER_PASSWORD']
const runs = (engine: FakeEngine) => engine.calls.filter((c) => c.method === 'containers.run').map((c) => c.args[0] as ContainerSpec)
const steps = (events: Event[]) => events.flatMap((e) => (e.type === 'bootstrap:step' ? [e.step] : e.type === 'bootstrap:no-superuser' ? ['(no superuser)'] : []))

// ---------------------------------------------------------------------------------------------
const Bootstrap = suite('bootstrap')
let root: string
const saved: Record<string, string | undefined> = {}
Bootstrap.before.each(() => {
  root = writeEnvironmentProject(makeTemp('bootstrap'))
  for (const k of SUPERUSER) {
    saved[k] = process.env[k]
    delete process.env[k]
  }
})
Bootstrap.after.each(() => {
  for (const k of SUPERUSER) {
    if (saved[k] === undefined) delete process.env[k]
    else process.env[k] = saved[k]
  }
  removeTemp(root)
})

Bootstrap('starts the database, runs the release phase against it; no DJANGO_SUPERUSER_*: says so', async () => {
  const engine = releasedEngine()
  const { ctx, events } = taskContext(engine, { root, git, shape: 'detect' })
  assert.is(await runTask(bootstrap, ctx, args()), 0)
  assert.equal(steps(events), ['(no superuser)', `release phase: ${RELEASE_COMMAND}`], 'the missing superuser is said first, then each step')
  const [phase] = runs(engine)
  assert.equal(runs(engine).length, 1, 'one container: the release phase')
  assert.equal(phase.cmd, ['sh', '-c', RELEASE_COMMAND])
  assert.is(phase.image, 'acme/app-release:latest')
  assert.is(phase.network, 'acme-app-net', "on the environment's network")
  assert.match(phase.env?.DATABASE_URL ?? '', /^postgres:\/\/app:.+@acme-app-db:5432\/app$/)
  assert.ok(
    engine.state.containers.some((c) => c.name === 'acme-app-db' && c.running),
    'the database keeps running',
  )
  assert.not.ok(
    engine.state.containers.some((c) => c.name === 'acme-app-web'),
    'the app is not started',
  )
})

Bootstrap('DJANGO_SUPERUSER_* set: a superuser step after the release phase, with those variables', async () => {
  Object.assign(process.env, { DJANGO_SUPERUSER_USERNAME: 'admin', DJANGO_SUPERUSER_EMAIL: 'admin@example.com', DJANGO_SUPERUSER_PASSWORD: 'pw' })
  const engine = releasedEngine()
  const { ctx, events } = taskContext(engine, { root, git, shape: 'detect' })
  await runTask(bootstrap, ctx, args())
  assert.equal(steps(events), [`release phase: ${RELEASE_COMMAND}`, 'superuser'])
  const su = runs(engine)[1]
  assert.equal(su.cmd?.slice(0, 2), ['python', '-c'])
  assert.equal([su.env?.DJANGO_SUPERUSER_USERNAME, su.env?.DJANGO_SUPERUSER_EMAIL, su.env?.DJANGO_SUPERUSER_PASSWORD], ['admin', 'admin@example.com', 'pw'])
})

Bootstrap('a Django app with DATABASES = {}: no release phase, only collectstatic (as the build runs it: STATIC_ROOT defaulted)', async () => {
  for (const f of ['Procfile', 'app.py']) rmSync(path.join(root, f))
  writeTree(root, {
    'manage.py': 'import os\nos.environ.setdefault("DJANGO_SETTINGS_MODULE", "site.settings")\n',
    'site/__init__.py': '',
    'site/settings.py': 'INSTALLED_APPS = ["django.contrib.staticfiles"]\nDATABASES = {}\n',
    'site/wsgi.py': 'import os\nfrom django.core.wsgi import get_wsgi_application\nos.environ.setdefault("DJANGO_SETTINGS_MODULE", "site.settings")\napplication = get_wsgi_application()\n',
  })
  const engine = releasedEngine()
  const { ctx, events } = taskContext(engine, { root, git, shape: 'detect' })
  assert.is(await runTask(bootstrap, ctx, args()), 0)
  assert.equal(steps(events), ['(no superuser)', 'collectstatic'], 'no migrate: there is no database')
  const [collect] = runs(engine)
  assert.equal(collect.cmd?.slice(0, 2), ['sh', '-c'])
  assert.match(collect.cmd?.[2] ?? '', /pypackage_django\.py;.* python "\$f" collectstatic/, "the build's collectstatic, which defaults STATIC_ROOT")
  assert.is(collect.user, 'root', 'the static files are root-owned')
})

Bootstrap('a step that fails: one UserError naming it and its exit code; the steps after it do not run', async () => {
  Object.assign(process.env, { DJANGO_SUPERUSER_USERNAME: 'admin', DJANGO_SUPERUSER_EMAIL: 'admin@example.com', DJANGO_SUPERUSER_PASSWORD: 'pw' })
  const engine = releasedEngine()
  engine.script = (spec) => ({ exitCode: spec.cmd?.[0] === 'sh' ? 2 : 0 })
  const e = await rejectedUserError(runTask(bootstrap, taskContext(engine, { root, git, shape: 'detect' }).ctx, args()), 'step fails')
  assert.is(e.message, `bootstrap: release phase: ${RELEASE_COMMAND} exited with code 2`)
  assert.is(runs(engine).length, 1, 'no superuser step after it')
})

Bootstrap('dry run: says what it would do; builds, creates and starts nothing', async () => {
  const engine = releasedEngine()
  const before = structuredClone(engine.state)
  const { ctx, events } = taskContext(engine, { root, git, shape: 'detect' })
  assert.is(await runTask(bootstrap, ctx, args(), { dryRun: true }), 0)
  assert.equal(
    events.flatMap((e) => (e.type === 'plan' ? [[e.id, e.action, e.why]] : [])).at(-1),
    ['bootstrap', 'run', { is: 'action', intent: { do: 'bootstrap', steps: [`release phase: ${RELEASE_COMMAND}`] } }],
    'a Flask app without DJANGO_SUPERUSER_*: its release phase only (no collectstatic, no superuser)',
  )
  assert.equal(engine.state, before)
})

Bootstrap('the release image missing: one UserError before any container starts', async () => {
  const engine = osEngine()
  const e = await rejectedUserError(runTask(bootstrap, taskContext(engine, { root, git, shape: 'detect' }).ctx, args()), 'no web image')
  assert.is(e.message, 'image acme/app-release:latest does not exist')
  assert.not.ok(
    engine.calls.some((c) => /^containers\.(start|run)$/.test(c.method)),
    'no container',
  )
})

Bootstrap('an aborted run stops before touching the engine', async () => {
  const engine = releasedEngine()
  const { ctx, events } = taskContext(engine, { root, git, shape: 'detect', signal: abortedSignal() })
  const e = await rejectedUserError(runTask(bootstrap, ctx, args()), 'aborted')
  assert.is(e.message, 'interrupted (SIGINT)')
  assert.equal(engine.calls, [])
  assert.equal(events, [])
})

Bootstrap.run()
