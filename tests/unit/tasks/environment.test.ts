import { existsSync } from 'node:fs'
import path from 'node:path'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { LABEL_PROJECT } from '../../../lib/docker/labels.js'
import { clean, stop } from '../../../lib/tasks/environment.js'
import { createFakeEngine, engineError, type FakeState } from '../../helpers/fake-engine.js'
import { rejectedUserError } from '../helpers/catch.js'
import { PREFIX, abortedSignal, args, runTask, taskContext } from '../helpers/context.js'
import { makeTemp, removeTemp, writeTree } from '../helpers/tmp.js'

// The tasks of lib/tasks/environment.ts that only talk to the engine, run against the fake engine.

const ours = { [LABEL_PROJECT]: PREFIX }
const theirs = { [LABEL_PROJECT]: 'acme/other' }

/** A project that built, released and started, beside another project and what is shared. */
function busyEngine(): FakeState {
  return {
    images: [
      { id: 'sha256:debian', tags: ['debian:bookworm-slim'], labels: {}, created: 10 },
      { id: 'sha256:base', tags: ['acme/app-base:abc1234', 'acme/app-base:latest'], labels: ours, created: 100 },
      { id: 'sha256:old', tags: [], labels: ours, created: 150 }, // a build a rebuild superseded
      { id: 'sha256:rel', tags: ['acme/app-release:abc1234', 'acme/app-release:latest'], labels: ours, created: 200 },
      { id: 'sha256:pg', tags: ['acme/app-postgres:latest'], labels: ours, created: 120 },
      { id: 'sha256:other', tags: ['acme/other-base:latest'], labels: theirs, created: 300 },
    ],
    containers: [
      { id: 'c-web', name: 'acme-app-web', image: 'sha256:rel', labels: ours, running: true, exitCode: 0, hostPorts: { 8000: 8000 }, output: [] },
      { id: 'c-db', name: 'acme-app-db', image: 'sha256:pg', labels: ours, running: true, exitCode: 0, hostPorts: {}, output: [] },
      { id: 'c-test', name: 'left-by-a-crash', image: 'sha256:base', labels: ours, running: false, exitCode: 1, hostPorts: {}, output: [] },
      { id: 'c-other', name: 'acme-other-web', image: 'sha256:other', labels: theirs, running: true, exitCode: 0, hostPorts: {}, output: [] },
    ],
    networks: [
      { id: 'n-ours', name: 'acme-app-net', labels: ours },
      { id: 'n-other', name: 'acme-other-net', labels: theirs },
    ],
    volumes: [
      { name: 'acme-app-pgdata', labels: ours },
      { name: 'pypackage-pip-cache', labels: { [LABEL_PROJECT]: 'shared' } },
      { name: 'acme-other-pgdata', labels: theirs },
    ],
  }
}

const ids = (list: { id?: string; name?: string }[]) => list.map((x) => x.id ?? x.name).sort()

// ---------------------------------------------------------------------------------------------
const Clean = suite('clean')
let root: string
Clean.before.each(() => {
  root = makeTemp('clean')
  writeTree(root, { 'wheelhouse/app-1.0-py3-none-any.whl': 'wheel', 'wheelhouse-manifest.json': '{}' })
})
Clean.after.each(() => removeTemp(root))

Clean('removes everything labelled with the project, and nothing else', async () => {
  const engine = createFakeEngine(busyEngine())
  const { ctx, events } = taskContext(engine, { root })
  assert.is(await runTask(clean, ctx, args()), 0, 'clean exits 0')
  assert.equal(ids(engine.state.containers), ['c-other'], "only the other project's container is left")
  assert.equal(ids(engine.state.networks), ['n-other'], "only the other project's network is left")
  assert.equal(ids(engine.state.volumes), ['acme-other-pgdata', 'pypackage-pip-cache'], "the shared pip cache and the other project's volume are left")
  assert.equal(ids(engine.state.images), ['sha256:debian', 'sha256:other'], "the OS image and the other project's image are left")
  assert.equal(events, [{ type: 'cleaned', containers: 3, networks: 1, volumes: 1, images: 4, wheelhouse: 'wheelhouse' }], 'one event counting what went')
  assert.not.ok(existsSync(path.join(root, 'wheelhouse')), 'the wheelhouse is gone')
  assert.not.ok(existsSync(path.join(root, 'wheelhouse-manifest.json')), 'the manifest beside it is gone')
})

Clean('children go before the parents they are built FROM: images newest first', async () => {
  const engine = createFakeEngine(busyEngine())
  await runTask(clean, taskContext(engine, { root }).ctx, args())
  const byId = engine.calls.filter((c) => c.method === 'images.remove' && String(c.args[0]).startsWith('sha256:')).map((c) => c.args[0])
  assert.equal(byId, ['sha256:rel', 'sha256:old', 'sha256:pg', 'sha256:base'], 'removed in order of creation, newest first')
})

Clean('a second clean is a no-op: it lists, finds nothing, removes nothing', async () => {
  const engine = createFakeEngine(busyEngine())
  await runTask(clean, taskContext(engine, { root }).ctx, args())
  const after = structuredClone(engine.state)
  engine.calls.length = 0
  const { ctx, events } = taskContext(engine, { root })
  assert.is(await runTask(clean, ctx, args()), 0, 'the second clean exits 0 too')
  assert.equal(engine.log(), ['containers.list', 'networks.list', 'volumes.list', 'images.list'], 'only the four lists')
  assert.equal(engine.state, after, 'the engine is as the first clean left it')
  assert.equal(events, [{ type: 'cleaned', containers: 0, networks: 0, volumes: 0, images: 0, wheelhouse: 'wheelhouse' }], 'it says it removed nothing')
})

Clean('the engine failing to remove a container is one UserError, and the clean stops there', async () => {
  const engine = createFakeEngine(busyEngine())
  engine.fail('containers.remove', engineError(500, 'driver failed to remove root filesystem: device or resource busy'))
  const { ctx, events } = taskContext(engine, { root })
  const e = await rejectedUserError(runTask(clean, ctx, args()), 'remove fails')
  assert.match(e.message, /^the engine failed to .*device or resource busy$/, "the message names the engine's answer")
  assert.match(e.hint ?? '', /engine/, 'the hint says what to check')
  assert.is(engine.calls.filter((c) => c.method === 'containers.remove').length, 1, 'no further removal after the first failure')
  assert.equal(engine.state.networks.length, 2, 'networks untouched')
  assert.equal(events, [], 'no "cleaned" event')
  assert.ok(existsSync(path.join(root, 'wheelhouse')), 'the wheelhouse stays')
})

Clean('dry run: says what it would remove, counting by kind, and removes nothing', async () => {
  const engine = createFakeEngine(busyEngine())
  const before = structuredClone(engine.state)
  const { ctx, events } = taskContext(engine, { root })
  assert.is(await runTask(clean, ctx, args(), { dryRun: true }), 0)
  assert.equal(
    events,
    [{ type: 'plan', id: 'clean', title: 'Clean', action: 'run', why: { is: 'action', intent: { do: 'clean', containers: 3, networks: 1, volumes: 1, images: 4, wheelhouse: 'wheelhouse' } } }],
    'one verdict',
  )
  assert.equal(engine.state, before, 'nothing removed')
  assert.ok(existsSync(path.join(root, 'wheelhouse')), 'the wheelhouse stays')
})

Clean('an aborted run stops before touching the engine', async () => {
  const engine = createFakeEngine(busyEngine())
  const { ctx, events } = taskContext(engine, { root, signal: abortedSignal() })
  const e = await rejectedUserError(runTask(clean, ctx, args()), 'aborted')
  assert.is(e.message, 'interrupted (SIGINT)')
  assert.is(e.exitCode, 130, "Ctrl-C's exit code")
  assert.equal(engine.calls, [], 'no engine call at all')
  assert.equal(engine.state, busyEngine(), 'the engine is unchanged')
  assert.equal(events, [])
})

Clean.run()

// ---------------------------------------------------------------------------------------------
const Stop = suite('stop')
Stop.before.each(() => {
  root = makeTemp('stop')
})
Stop.after.each(() => removeTemp(root))

Stop('removes the app and the database containers; the network and the data volume stay', async () => {
  const engine = createFakeEngine(busyEngine())
  const { ctx, events } = taskContext(engine, { root })
  assert.is(await runTask(stop, ctx, args()), 0)
  assert.equal(events, [{ type: 'environment:stopped', containers: ['acme-app-web', 'acme-app-db'] }], 'names what it stopped, app first')
  assert.equal(ids(engine.state.containers), ['c-other', 'c-test'], 'the other containers stay')
  assert.ok(
    engine.state.volumes.some((v) => v.name === 'acme-app-pgdata'),
    'the data volume stays',
  )
  assert.ok(
    engine.state.networks.some((n) => n.name === 'acme-app-net'),
    'the network stays',
  )
})

Stop('dry run: names what it would stop, stops nothing', async () => {
  const engine = createFakeEngine(busyEngine())
  const { ctx, events } = taskContext(engine, { root })
  assert.is(await runTask(stop, ctx, args(), { dryRun: true }), 0)
  assert.equal(events, [{ type: 'plan', id: 'stop', title: 'Stop the environment', action: 'run', why: { is: 'action', intent: { do: 'stop', containers: ['acme-app-web', 'acme-app-db'] } } }])
  assert.equal(engine.calls, [], 'the engine is not asked anything')
})

Stop('nothing running: says so, removes nothing', async () => {
  const engine = createFakeEngine({ ...busyEngine(), containers: [] })
  const { ctx, events } = taskContext(engine, { root })
  assert.is(await runTask(stop, ctx, args()), 0)
  assert.equal(events, [{ type: 'environment:stopped', containers: [] }])
  assert.equal(engine.log(), ['containers.inspect acme-app-web', 'containers.inspect acme-app-db'], 'two lookups, no removal')
})

Stop('a container that already exited is removed too', async () => {
  const state = busyEngine()
  state.containers[0].running = false
  const engine = createFakeEngine(state)
  const { ctx, events } = taskContext(engine, { root })
  await runTask(stop, ctx, args())
  assert.equal(events, [{ type: 'environment:stopped', containers: ['acme-app-web', 'acme-app-db'] }])
})

Stop('the engine failing to remove the app is one UserError; no "stopped" event', async () => {
  const engine = createFakeEngine(busyEngine())
  engine.fail('containers.remove', engineError(500, 'cannot kill container: permission denied'))
  const { ctx, events } = taskContext(engine, { root })
  const e = await rejectedUserError(runTask(stop, ctx, args()), 'remove fails')
  assert.match(e.message, /^the engine failed to .*acme-app-web.*permission denied$/, "names the container and the engine's answer")
  assert.match(e.hint ?? '', /engine/)
  assert.equal(events, [])
  assert.ok(
    engine.state.containers.some((c) => c.name === 'acme-app-db'),
    'the database was not touched after the failure',
  )
})

Stop('an aborted run stops before touching the engine', async () => {
  const engine = createFakeEngine(busyEngine())
  const { ctx, events } = taskContext(engine, { root, signal: abortedSignal() })
  const e = await rejectedUserError(runTask(stop, ctx, args()), 'aborted')
  assert.is(e.message, 'interrupted (SIGINT)')
  assert.equal(engine.calls, [], 'no engine call at all')
  assert.equal(events, [])
})

Stop.run()
