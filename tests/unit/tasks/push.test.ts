import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { LABEL_PROJECT } from '../../../lib/docker/labels.js'
import type { PushOptions } from '../../../lib/docker/push.js'
import { UserError } from '../../../lib/errors.js'
import type { Event } from '../../../lib/events.js'
import { push } from '../../../lib/tasks/push.js'
import type { TaskArgs } from '../../../lib/tasks/types.js'
import { createFakeEngine, type FakeEngine, type FakeState } from '../../helpers/fake-engine.js'
import { rejectedUserError } from '../helpers/catch.js'
import { PREFIX, abortedSignal, runTask, taskContext } from '../helpers/context.js'
import { makeTemp, removeTemp } from '../helpers/tmp.js'

// The push task (lib/tasks/push.ts, lib/nodes/push.ts) against the fake engine. The project
// folder is no git work tree: no branch tag. Credentials: none (DOCKER_CONFIG points at an empty
// folder, the PYPACKAGE_REGISTRY_* variables are unset), unless a test sets them.

const git = { sha: 'abc1234', dirty: false }
const REGISTRY = '127.0.0.1:5000'
const REMOTE = `${REGISTRY}/acme/app-release`
const released = (): FakeState => ({
  images: [{ id: 'sha256:rel', tags: ['acme/app-release:latest'], labels: { [LABEL_PROJECT]: PREFIX }, created: 200 }],
  containers: [],
  networks: [],
  volumes: [],
})
const pushArgs = (registry: string | undefined, ...positional: string[]): TaskArgs => ({ positional, options: registry ? { registry } : {}, rest: [] })
const tagsOf = (engine: FakeEngine) => engine.state.images.find((i) => i.id === 'sha256:rel')!.tags.sort()
const pushed = (events: Event[]) => events.flatMap((e) => (e.type === 'pushed' ? [e.ref] : []))
/** Each push the engine was asked for, as `repo:tag`. */
const pushCalls = (engine: FakeEngine) => engine.calls.filter((c) => c.method === 'push').map((c) => `${String(c.args[0])}:${String(c.args[1])}`)

/** Make the engine's push of `tag` fail with `error` (after `before` runs), every other push as the fake does it. */
function failPushOf(engine: FakeEngine, tag: string, error: Error, before: () => void = () => {}) {
  const real = engine.push
  engine.push = async (repo: string, t: string, opts?: PushOptions) => {
    if (t !== tag) return real(repo, t, opts)
    before()
    await real(repo, t, opts) // recorded, and interrupted when `before` aborted the run
    throw error
  }
}

// ---------------------------------------------------------------------------------------------
const Push = suite('push')
let root: string
const saved: Record<string, string | undefined> = {}
const ENV = ['DOCKER_CONFIG', 'PYPACKAGE_REGISTRY_USERNAME', 'PYPACKAGE_REGISTRY_PASSWORD']
Push.before.each(() => {
  root = makeTemp('push')
  for (const k of ENV) saved[k] = process.env[k]
  delete process.env.PYPACKAGE_REGISTRY_USERNAME
  delete process.env.PYPACKAGE_REGISTRY_PASSWORD
  process.env.DOCKER_CONFIG = root // no config.json there: anonymous, as on a machine without docker login
})
Push.after.each(() => {
  for (const k of ENV) {
    if (saved[k] === undefined) delete process.env[k]
    else process.env[k] = saved[k]
  }
  removeTemp(root)
})

Push('pushes the commit, the tags given and latest, each tagged for the registry first', async () => {
  const engine = createFakeEngine(released())
  const { ctx, events } = taskContext(engine, { root, git })
  assert.is(await runTask(push, ctx, pushArgs(REGISTRY, 'v1')), 0)
  assert.equal(pushCalls(engine), [`${REMOTE}:abc1234`, `${REMOTE}:v1`, `${REMOTE}:latest`], 'one push per tag, latest last')
  assert.equal(pushed(events), [`${REMOTE}:abc1234`, `${REMOTE}:v1`, `${REMOTE}:latest`], 'a "pushed" event per tag')
  const digests = events.flatMap((e) => (e.type === 'pushed' ? [e.digest] : []))
  assert.ok(
    digests.every((d) => /^sha256:[0-9a-f]{64}$/.test(d ?? '')),
    `each "pushed" event carries the digest, got ${digests.join(', ')}`,
  )
  assert.equal(tagsOf(engine), [`${REMOTE}:abc1234`, `${REMOTE}:latest`, `${REMOTE}:v1`, 'acme/app-release:latest'], 'the release image carries the registry names')
  assert.not.ok(
    events.some((e) => e.type === 'push:auth'),
    'no credentials: no "push:auth" event',
  )
})

Push('latest given as a tag is pushed once', async () => {
  const engine = createFakeEngine(released())
  await runTask(push, taskContext(engine, { root, git }).ctx, pushArgs(REGISTRY, 'latest'))
  assert.equal(pushCalls(engine), [`${REMOTE}:abc1234`, `${REMOTE}:latest`])
})

Push('the registry of the config, when no --registry is given', async () => {
  const engine = createFakeEngine(released())
  const { ctx } = taskContext(engine, { root, git, config: { registry: 'registry.example.com' } })
  await runTask(push, ctx, pushArgs(undefined))
  assert.equal(pushCalls(engine), ['registry.example.com/acme/app-release:abc1234', 'registry.example.com/acme/app-release:latest'])
})

Push('--registry wins over the config', async () => {
  const engine = createFakeEngine(released())
  const { ctx } = taskContext(engine, { root, git, config: { registry: 'registry.example.com' } })
  await runTask(push, ctx, pushArgs(REGISTRY))
  assert.equal(pushCalls(engine), [`${REMOTE}:abc1234`, `${REMOTE}:latest`], 'pushed to the registry of the flag only')
})

Push('no registry anywhere: one UserError saying how to set one, before any engine call', async () => {
  const engine = createFakeEngine(released())
  const e = await rejectedUserError(runTask(push, taskContext(engine, { root, git }).ctx, pushArgs(undefined)), 'no registry')
  assert.is(e.message, 'push needs a registry')
  assert.match(e.hint ?? '', /"registry" in \.pypackagerc\.json.*--registry/)
  assert.equal(engine.calls, [], 'no engine call')
})

Push('credentials from PYPACKAGE_REGISTRY_*: said where from, and given to every push', async () => {
  process.env.PYPACKAGE_REGISTRY_USERNAME = 'ci'
  process.env.PYPACKAGE_REGISTRY_PASSWORD = 's3cret'
  const engine = createFakeEngine(released())
  const { ctx, events } = taskContext(engine, { root, git })
  await runTask(push, ctx, pushArgs(REGISTRY))
  assert.equal(
    events.filter((e) => e.type === 'push:auth'),
    [{ type: 'push:auth', registry: REGISTRY, from: 'PYPACKAGE_REGISTRY_USERNAME/PYPACKAGE_REGISTRY_PASSWORD' }],
  )
  for (const c of engine.calls.filter((x) => x.method === 'push')) {
    assert.equal((c.args[2] as PushOptions).auth, { username: 'ci', password: 's3cret', serveraddress: REGISTRY }, `the push of ${String(c.args[1])} is authenticated`)
  }
})

Push('a failed push: that tag is taken back, the earlier ones stay, no "pushed" event for it', async () => {
  const engine = createFakeEngine(released())
  failPushOf(engine, 'v1', new UserError(`pushing ${REMOTE}:v1 failed: denied: requested access to the resource is denied`))
  const { ctx, events } = taskContext(engine, { root, git })
  const e = await rejectedUserError(runTask(push, ctx, pushArgs(REGISTRY, 'v1', 'stable')), 'push fails')
  assert.match(e.message, /denied/, "the registry's answer")
  assert.equal(pushed(events), [`${REMOTE}:abc1234`], 'only the tag that reached the registry is reported')
  assert.equal(tagsOf(engine), [`${REMOTE}:abc1234`, 'acme/app-release:latest'], 'v1 is taken back; stable and latest were never tagged')
  assert.ok(engine.log().includes(`images.remove ${REMOTE}:v1`), 'the failed tag is removed')
  assert.equal(pushCalls(engine), [`${REMOTE}:abc1234`, `${REMOTE}:v1`], 'nothing pushed after the failure')
})

Push('a failed push of a tag an earlier push made: the tag stays where it was', async () => {
  const state = released()
  state.images.push({ id: 'sha256:older', tags: [`${REMOTE}:v1`], labels: { [LABEL_PROJECT]: PREFIX }, created: 100 })
  const engine = createFakeEngine(state)
  failPushOf(engine, 'v1', new UserError(`pushing ${REMOTE}:v1 failed: connection refused`))
  await rejectedUserError(runTask(push, taskContext(engine, { root, git }).ctx, pushArgs(REGISTRY, 'v1')), 'push fails')
  assert.not.ok(engine.log().includes(`images.remove ${REMOTE}:v1`), 'a name that existed before the push is not removed')
  assert.ok(
    engine.state.images.some((i) => i.tags.includes(`${REMOTE}:v1`)),
    'the name still exists',
  )
})

Push('a failed push of latest, which an earlier push made: the name goes back to the image it named', async () => {
  const state = released()
  state.images.push({ id: 'sha256:older', tags: [`${REMOTE}:latest`], labels: { [LABEL_PROJECT]: PREFIX }, created: 100 })
  const engine = createFakeEngine(state)
  failPushOf(engine, 'latest', new UserError(`pushing ${REMOTE}:latest failed: connection refused`))
  await rejectedUserError(runTask(push, taskContext(engine, { root, git }).ctx, pushArgs(REGISTRY)), 'push fails')
  const holder = engine.state.images.find((i) => i.tags.includes(`${REMOTE}:latest`))
  assert.is(holder?.id, 'sha256:older', `${REMOTE}:latest names what the registry has, not the image it never got`)
})

Push('dry run: names the registry and the tags, after checking the image exists; pushes and tags nothing', async () => {
  const engine = createFakeEngine(released())
  const before = structuredClone(engine.state)
  const { ctx, events } = taskContext(engine, { root, git })
  assert.is(await runTask(push, ctx, pushArgs(REGISTRY, 'v1'), { dryRun: true }), 0)
  assert.equal(events, [{ type: 'plan', id: 'push', title: 'Push the release image', action: 'run', why: { is: 'action', intent: { do: 'push', repo: REMOTE, tags: ['abc1234', 'v1', 'latest'] } } }])
  assert.equal(engine.log(), ['images.inspect acme/app-release:latest'], 'one lookup, no tag, no push')
  assert.equal(engine.state, before, 'the engine is unchanged')
})

Push('dry run without the release image: the error a push would give', async () => {
  const engine = createFakeEngine()
  const e = await rejectedUserError(runTask(push, taskContext(engine, { root, git }).ctx, pushArgs(REGISTRY), { dryRun: true }), 'no image')
  assert.is(e.message, 'image acme/app-release:latest does not exist')
})

Push('no release image: a UserError saying to build it, nothing tagged or pushed', async () => {
  const engine = createFakeEngine()
  const e = await rejectedUserError(runTask(push, taskContext(engine, { root, git }).ctx, pushArgs(REGISTRY)), 'no image')
  assert.is(e.message, 'image acme/app-release:latest does not exist')
  assert.is(e.hint, 'build it first: pypackage-tasks release')
  assert.equal(engine.log(), ['images.inspect acme/app-release:latest'])
})

Push('an invalid tag is refused before the engine is asked anything', async () => {
  const engine = createFakeEngine(released())
  const e = await rejectedUserError(runTask(push, taskContext(engine, { root, git }).ctx, pushArgs(REGISTRY, 'bad tag')), 'invalid tag')
  assert.match(e.message, /"bad tag" is not a valid image tag/)
  assert.equal(engine.calls, [])
})

Push('an aborted run stops before touching the engine', async () => {
  const engine = createFakeEngine(released())
  const { ctx, events } = taskContext(engine, { root, git, signal: abortedSignal() })
  const e = await rejectedUserError(runTask(push, ctx, pushArgs(REGISTRY, 'v1')), 'aborted')
  assert.is(e.message, 'interrupted (SIGINT)')
  assert.is(e.exitCode, 130)
  assert.equal(engine.calls, [])
  assert.equal(events, [])
})

Push('Ctrl-C during a push: interrupted, that tag taken back, nothing pushed after it', async () => {
  const engine = createFakeEngine(released())
  const controller = new AbortController()
  failPushOf(engine, 'v1', new Error('not reached: the fake push sees the abort first'), () => controller.abort('SIGINT'))
  const { ctx, events } = taskContext(engine, { root, git, signal: controller.signal })
  const e = await rejectedUserError(runTask(push, ctx, pushArgs(REGISTRY, 'v1')), 'interrupted')
  assert.is(e.message, 'interrupted (SIGINT)')
  assert.equal(pushed(events), [`${REMOTE}:abc1234`], 'the tag pushed before Ctrl-C is reported')
  assert.equal(tagsOf(engine), [`${REMOTE}:abc1234`, 'acme/app-release:latest'], 'the interrupted tag is taken back')
  assert.equal(pushCalls(engine), [`${REMOTE}:abc1234`, `${REMOTE}:v1`], 'latest is not pushed')
})

Push.run()
