import { existsSync } from 'node:fs'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import path from 'node:path'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import type { ContainerSpec } from '../../../lib/docker/engine.js'
import { LABEL_TASK } from '../../../lib/docker/labels.js'
import { UserError } from '../../../lib/errors.js'
import type { Event } from '../../../lib/events.js'
import { dev } from '../../../lib/tasks/dev.js'
import type { TaskArgs } from '../../../lib/tasks/types.js'
import type { FakeEngine } from '../../helpers/fake-engine.js'
import { rejectedUserError } from '../helpers/catch.js'
import { runTask, taskContext } from '../helpers/context.js'
import { makeTemp, removeTemp, writeTree } from '../helpers/tmp.js'
import { builtEngine, git, writeFlaskProject } from './helpers/project.js'

// The dev task (lib/tasks/dev.ts, lib/nodes/dev.ts) on the fake engine: the release graph built
// on the fake, the app's port answered by an HTTP server of the test (which refuses connections
// while a container the test marks broken is the one started last), real files edited under a
// temp project and real fs.watch.

type Of<T extends Event['type']> = Extract<Event, { type: T }>
const devArgs = (port: number): TaskArgs => ({ positional: [], options: { port: String(port) }, rest: [] })
const starts = (engine: FakeEngine) => engine.calls.filter((c) => c.method === 'containers.start').map((c) => c.args[0] as ContainerSpec)
const builds = (engine: FakeEngine) => engine.calls.filter((c) => c.method === 'build').length
const ofType = <T extends Event['type']>(events: Event[], type: T) => events.filter((e): e is Of<T> => e.type === type)

/** Resolves once `events` holds `count` of `type`; fails the test after `ms`. */
async function until(events: Event[], type: Event['type'], count = 1, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms
  while (events.filter((e) => e.type === type).length < count) {
    if (Date.now() > deadline) assert.unreachable(`no ${count} "${type}" events within ${ms} ms; got ${events.map((e) => e.type).join(', ')}`)
    await new Promise((r) => setTimeout(r, 20))
  }
}

/**
 * The published port, answered by the test: 200, except while the container started last runs an
 * image in `broken` (then the connection is dropped, as a port with no server behind it), and 500
 * while it runs one in `erroring`.
 */
async function appPort(engine: FakeEngine, broken: Set<string>, erroring: Set<string>): Promise<{ port: number; close(): Promise<void> }> {
  const server = http.createServer((req, res) => {
    const last = starts(engine).at(-1)
    if (last && broken.has(last.image)) return void req.socket.destroy()
    res.writeHead(last && erroring.has(last.image) ? 500 : 200).end('ok')
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    port: (server.address() as AddressInfo).port,
    close: () => new Promise<void>((resolve) => (server.closeAllConnections(), server.close(() => resolve()))),
  }
}

/** Record, for each containers.start, how many containers existed when it was called. */
function countAtStart(engine: FakeEngine): number[] {
  const counts: number[] = []
  const start = engine.containers.start
  engine.containers.start = async (spec, signal) => {
    counts.push(engine.state.containers.length)
    return start(spec, signal)
  }
  return counts
}

const Dev = suite('dev')
let root: string
let app: { port: number; close(): Promise<void> } | undefined
let controller: AbortController
let session: Promise<number> | undefined
Dev.before.each(() => {
  root = writeFlaskProject(makeTemp('dev'), { '.gitignore': 'notes/\n' })
  controller = new AbortController()
})
Dev.after.each(async () => {
  controller.abort('SIGINT')
  await session?.catch(() => undefined)
  session = undefined
  await app?.close()
  app = undefined
  removeTemp(root)
})

/** Start dev on the test's port; resolves once it watches. */
async function startDev(engine: FakeEngine, broken = new Set<string>(), erroring = new Set<string>()): Promise<Event[]> {
  app = await appPort(engine, broken, erroring)
  const { ctx, events } = taskContext(engine, { root, git, shape: 'detect', signal: controller.signal })
  session = runTask(dev, ctx, devArgs(app.port))
  session.catch(() => undefined)
  await until(events, 'dev:watching')
  return events
}

Dev('releases, serves on the port given, then a change rebuilds and replaces the container on the same port', async () => {
  const engine = await builtEngine(root)
  const counts = countAtStart(engine)
  const events = await startDev(engine)
  assert.is(builds(engine), 1, 'the first release')
  assert.equal(ofType(events, 'serving')[0].url, `http://127.0.0.1:${app!.port}`)
  assert.ok(!existsSync(path.join(root, '.pypackage')), 'the lock is not held while watching')
  writeTree(root, { 'docker/release/Dockerfile': 'ARG IMAGE_PREFIX\nFROM ${IMAGE_PREFIX}-base\nARG APP_TARGET\nCOPY wheels /wheels\nRUN true\n' })
  await until(events, 'dev:served')
  assert.equal(ofType(events, 'dev:change')[0].files, ['docker/release/Dockerfile'], 'the change, by path')
  assert.is(builds(engine), 2, 'rebuilt once')
  const [first, second] = starts(engine)
  assert.is.not(second.image, first.image, 'the new image is served')
  assert.equal([first.publish?.hostPort, second.publish?.hostPort], [app!.port, app!.port], 'on the same port')
  assert.equal(counts, [0, 0], 'the new container starts only once the old one is removed')
  assert.is(second.labels?.[LABEL_TASK], 'dev')
  const served = ofType(events, 'dev:served')[0]
  assert.ok(served.ms > 0 && served.restarted, `how long the change took to be served: ${served.ms} ms`)
  assert.is(engine.state.containers.length, 1, 'one container serves')
  const volumes = engine.state.volumes.map((v) => v.name)
  assert.equal(volumes.length, 2, `a volume per data folder: ${volumes.join(', ')}`)
  assert.equal(first.keep, second.keep, "the new container gets the old one's data")
  assert.equal(Object.keys(first.keep ?? {}).sort(), ['/app/data', '/appenv/var'])
  assert.equal(Object.values(first.keep ?? {}).sort(), volumes.sort())
})

Dev('a file the ignore rules leave out is no change; a burst of saves is one rebuild', async () => {
  const engine = await builtEngine(root)
  const events = await startDev(engine)
  writeTree(root, { 'notes/todo.txt': 'ignored', 'app.log': 'ignored too' })
  writeTree(root, { 'docker/release/a.txt': 'a', 'docker/release/b.txt': 'b' })
  await until(events, 'dev:served')
  assert.equal(ofType(events, 'dev:change')[0].files, ['docker/release/a.txt', 'docker/release/b.txt'], 'only what a release is made of')
  assert.is(ofType(events, 'dev:change').length, 1, 'one rebuild for the burst')
})

Dev('a failed rebuild keeps the old container serving and says why; the next save retries', async () => {
  const engine = await builtEngine(root)
  const build = engine.build
  let failing = false
  engine.build = async (req) => {
    if (!failing) return build(req)
    for await (const chunk of req.context) void chunk
    throw new UserError('docker/release: step 5/5 RUN false failed', { hint: 'fix the Dockerfile' })
  }
  const events = await startDev(engine)
  const serving = engine.state.containers[0].id
  failing = true
  writeTree(root, { 'docker/release/extra.txt': 'v2' })
  await until(events, 'dev:failed')
  const failed = ofType(events, 'dev:failed')[0]
  assert.equal([failed.stage, failed.message, failed.hint], ['build', 'docker/release: step 5/5 RUN false failed', 'fix the Dockerfile'])
  assert.is(failed.url, `http://127.0.0.1:${app!.port}`, 'the previous image still serves')
  assert.equal(
    engine.state.containers.map((c) => c.id),
    [serving],
    'the same container serves',
  )
  failing = false
  writeTree(root, { 'docker/release/extra.txt': 'v3' })
  await until(events, 'dev:served')
  assert.is.not(engine.state.containers[0].id, serving, 'the retry is served')
})

Dev('a new image that stops before answering: the previous image serves again on the same port, with the cause', async () => {
  const engine = await builtEngine(root)
  const broken = new Set<string>()
  engine.script = (spec) => (broken.has(spec.image) ? { exitCode: 3, output: ['SyntaxError: invalid syntax'], exitsAfterMs: 0 } : { exitCode: 0 })
  const build = engine.build
  engine.build = async (req) => {
    const built = await build(req)
    if (engine.calls.filter((c) => c.method === 'build').length === 2) broken.add(built.id)
    return built
  }
  const events = await startDev(engine, broken)
  const good = starts(engine)[0].image
  writeTree(root, { 'docker/release/extra.txt': 'broken' })
  await until(events, 'dev:failed')
  const failed = ofType(events, 'dev:failed')[0]
  assert.is(failed.stage, 'start')
  assert.is(failed.message, 'the app exited with code 3 before answering')
  assert.equal(failed.details, ['SyntaxError: invalid syntax'], "the new container's last lines")
  assert.is(failed.url, `http://127.0.0.1:${app!.port}`)
  assert.equal(
    starts(engine).map((s) => [s.image === good ? 'good' : 'broken', s.publish?.hostPort]),
    [
      ['good', app!.port],
      ['broken', app!.port],
      ['good', app!.port],
    ],
    'the previous image started again on the same port',
  )
  assert.is(engine.state.containers.length, 1)
  assert.not.ok(
    events.some((e) => e.type === 'dev:exited'),
    'a container that never answered is no "exited" news',
  )
})

Dev('a new image that answers GET / with 500 where the previous one did not: the previous image serves again', async () => {
  const engine = await builtEngine(root)
  const erroring = new Set<string>()
  engine.script = (spec) => (erroring.has(spec.image) ? { exitCode: 0, output: ['Internal Server Error: /', 'SyntaxError: invalid syntax'] } : { exitCode: 0 })
  const build = engine.build
  let count = 0
  engine.build = async (req) => {
    const built = await build(req)
    if (++count === 2) erroring.add(built.id)
    return built
  }
  const events = await startDev(engine, new Set(), erroring)
  writeTree(root, { 'docker/release/extra.txt': 'erroring' })
  await until(events, 'dev:failed')
  const failed = ofType(events, 'dev:failed')[0]
  assert.equal([failed.stage, failed.message], ['start', 'it answers GET / with 500'])
  assert.equal(failed.details, ['Internal Server Error: /', 'SyntaxError: invalid syntax'])
  assert.is(starts(engine).length, 3, 'the previous image started again')
  assert.not.ok(erroring.has(starts(engine)[2].image), 'the previous image')
  writeTree(root, { 'docker/release/extra.txt': 'fixed' })
  await until(events, 'dev:served')
  assert.is(engine.state.containers.length, 1)
})

Dev('the app stopping by itself while served: removed and said; the next save starts the new image on the same port', async () => {
  const engine = await builtEngine(root)
  let first: string | undefined
  engine.script = (spec) => ((first ??= spec.image) === spec.image ? { exitCode: 1, output: ['[CRITICAL] WORKER TIMEOUT'], exitsAfterMs: 300 } : { exitCode: 0 })
  const events = await startDev(engine)
  await until(events, 'dev:exited')
  assert.equal(ofType(events, 'dev:exited'), [{ type: 'dev:exited', exitCode: 1 }])
  assert.equal(engine.state.containers, [], 'the stopped container is removed')
  writeTree(root, { 'docker/release/extra.txt': 'v2' })
  await until(events, 'dev:served')
  assert.equal(
    starts(engine).map((s) => s.publish?.hostPort),
    [app!.port, app!.port],
  )
  assert.is(engine.state.containers.length, 1)
})

Dev('Ctrl-C while watching: the container is removed, interrupted (130), nothing left', async () => {
  const engine = await builtEngine(root)
  await startDev(engine)
  assert.is(engine.state.containers.length, 1)
  controller.abort('SIGINT')
  const e = await rejectedUserError(session!, 'Ctrl-C')
  assert.is(e.exitCode, 130)
  assert.equal(engine.state.containers, [], 'no container')
  assert.equal(engine.state.volumes, [], 'no volume')
  assert.ok(!existsSync(path.join(root, '.pypackage')), 'no lock, no staging folder')
})

Dev('Ctrl-C during a rebuild: interrupted, the container removed, the lock released', async () => {
  const engine = await builtEngine(root)
  const build = engine.build
  let building: () => void = () => {}
  const inBuild = new Promise<void>((resolve) => (building = resolve))
  let count = 0
  engine.build = async (req) => {
    if (++count < 2) return build(req)
    assert.ok(existsSync(path.join(root, '.pypackage', 'lock')), 'the lock is held while building')
    for await (const chunk of req.context) void chunk // as the engine does: nothing reads the project after the test
    building()
    return new Promise((_, reject) => req.signal?.addEventListener('abort', () => reject(new UserError('interrupted')), { once: true }))
  }
  await startDev(engine)
  writeTree(root, { 'docker/release/extra.txt': 'v2' })
  await Promise.race([inBuild, until([], 'dev:served', 1, 10_000)])
  controller.abort('SIGTERM')
  const e = await rejectedUserError(session!, 'SIGTERM')
  assert.is(e.exitCode, 143)
  assert.equal(engine.state.containers, [])
  assert.ok(!existsSync(path.join(root, '.pypackage')), 'no lock, no staging folder')
})

Dev('dry run: what the first release would build, then the serving; nothing runs', async () => {
  const engine = await builtEngine(root)
  const { ctx, events } = taskContext(engine, { root, git, shape: 'detect' })
  assert.is(await runTask(dev, ctx, devArgs(8123), { dryRun: true }), 0)
  const plans = ofType(events, 'plan').map((e) => `${e.id}: ${e.action}`)
  assert.ok(plans.includes('image:release: run') && plans.at(-1) === 'dev: run', `the release, then dev; got ${plans.join(', ')}`)
  assert.equal(ofType(events, 'plan').at(-1)!.why, { is: 'action', intent: { do: 'serve', image: 'acme/app-release:latest', hostPort: 8123 } })
  assert.is(builds(engine), 0)
  assert.equal(starts(engine), [])
})

Dev.run()
