import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import type { ContainerSpec, Running } from '../../../lib/docker/engine.js'
import { LABEL_PROJECT, LABEL_TASK } from '../../../lib/docker/labels.js'
import type { Event } from '../../../lib/events.js'
import { run } from '../../../lib/tasks/run.js'
import type { TaskArgs } from '../../../lib/tasks/types.js'
import { createFakeEngine, type FakeEngine, type FakeState } from '../../helpers/fake-engine.js'
import { rejectedUserError } from '../helpers/catch.js'
import { PREFIX, abortedSignal, runTask, taskContext } from '../helpers/context.js'
import { makeTemp, removeTemp } from '../helpers/tmp.js'
import { closedPort, serveApp, type FakeApp } from './helpers/http.js'

// The run task (lib/tasks/run.ts, lib/nodes/serve.ts) against the fake engine: `run -- <cmd>` in a
// scripted container, and serving, with an HTTP server of the test on the published port.

const released = (): FakeState => ({
  images: [
    { id: 'sha256:rel', tags: ['acme/app-release:latest'], labels: { [LABEL_PROJECT]: PREFIX }, created: 200, user: 'app', workdir: '/app' },
    { id: 'sha256:other', tags: ['acme/other:1'], labels: {}, created: 100 },
  ],
  containers: [],
  networks: [],
  volumes: [],
})
const runArgs = (rest: string[], options: Record<string, string> = {}): TaskArgs => ({ positional: [], options, rest })
const CHECK = ['python', '-m', 'django', 'check']
const specs = (engine: FakeEngine, method: string) => engine.calls.filter((c) => c.method === method).map((c) => c.args[0] as ContainerSpec)
const outputs = (events: Event[]) => events.flatMap((e) => (e.type === 'output' ? [e.line] : []))

/** Resolves once `events` holds one of `type`; fails the test after `ms`. */
async function eventually(events: Event[], type: Event['type'], ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms
  while (!events.some((e) => e.type === type)) {
    if (Date.now() > deadline) assert.unreachable(`no "${type}" event within ${ms} ms; got ${events.map((e) => e.type).join(', ')}`)
    await new Promise((r) => setTimeout(r, 20))
  }
}

/**
 * The app stopping by itself once it has answered (with its scripted exit code): the container
 * `engine` starts next is stopped right after the first request reaches the test's server.
 */
function stopsAfterFirstAnswer(engine: FakeEngine): (path: string) => void {
  const start = engine.containers.start
  let handle: Running | undefined
  engine.containers.start = async (spec, signal) => (handle = await start(spec, signal))
  return () => setImmediate(() => void handle?.stop(0))
}

/** The grace periods (seconds) of every stop() of a container the engine starts from now on. */
function recordStops(engine: FakeEngine): number[] {
  const stops: number[] = []
  const start = engine.containers.start
  engine.containers.start = async (spec, signal) => {
    const running = await start(spec, signal)
    return { ...running, stop: async (seconds) => (stops.push(seconds), running.stop(seconds)) }
  }
  return stops
}

// ---------------------------------------------------------------------------------------------
const Command = suite('run -- <cmd>')
let root: string
Command.before.each(() => {
  root = makeTemp('run')
})
Command.after.each(() => removeTemp(root))

Command("the task's exit code is the command's; its output is printed as it comes", async () => {
  const engine = createFakeEngine(released())
  engine.script = () => ({ exitCode: 3, output: ['System check identified 1 issue', 'ERROR: polls.E001'] })
  const { ctx, events } = taskContext(engine, { root })
  assert.is(await runTask(run, ctx, runArgs(CHECK)), 3, "the command's exit code")
  assert.equal(outputs(events), ['System check identified 1 issue', 'ERROR: polls.E001'], 'an "output" event per line')
  const [spec] = specs(engine, 'containers.run')
  assert.equal(spec.cmd, CHECK, 'the words after -- untouched')
  assert.is(spec.image, 'acme/app-release:latest')
  assert.is(spec.labels?.[LABEL_TASK], 'run')
  assert.equal(specs(engine, 'containers.start'), [], 'a one-off command does not serve')
  assert.equal(engine.state.containers, [], 'the container is removed')
})

Command('a command that succeeds: exit code 0', async () => {
  const engine = createFakeEngine(released())
  assert.is(await runTask(run, taskContext(engine, { root }).ctx, runArgs(CHECK)), 0)
})

Command('--image runs that image instead of the release', async () => {
  const engine = createFakeEngine(released())
  await runTask(run, taskContext(engine, { root }).ctx, runArgs(['true'], { image: 'acme/other:1' }))
  assert.is(specs(engine, 'containers.run')[0].image, 'acme/other:1')
})

Command("a failure the hardening caused is named, and the exit code stays the command's", async () => {
  const engine = createFakeEngine(released())
  engine.script = () => ({ exitCode: 1, output: ["OSError: [Errno 30] Read-only file system: 'hits.txt'"] })
  const { ctx, events } = taskContext(engine, { root })
  assert.is(await runTask(run, ctx, runArgs(['python', 'count.py'])), 1)
  const blocked = events.filter((e) => e.type === 'hardening:blocked')
  assert.is(blocked.length, 1, 'one "hardening:blocked" event')
  const [b] = blocked as Extract<Event, { type: 'hardening:blocked' }>[]
  assert.match(b.cause, /wrote to \/app\/hits\.txt on the read-only root filesystem/, "the file, resolved against the image's WORKDIR")
  assert.match(b.hint, /"hardening": \{ "run": false \}/, "the run task's key")
  assert.is(b.exitCode, 1)
})

Command('unhardened ("hardening.run": false): the same output is not blamed on the hardening', async () => {
  const engine = createFakeEngine(released())
  engine.script = () => ({ exitCode: 1, output: ["OSError: [Errno 30] Read-only file system: 'hits.txt'"] })
  const { ctx, events } = taskContext(engine, { root, config: { hardening: { run: false } } })
  assert.is(await runTask(run, ctx, runArgs(['python', 'count.py'])), 1)
  assert.not.ok(
    events.some((e) => e.type === 'hardening:blocked'),
    'no "hardening:blocked" event',
  )
  assert.is(specs(engine, 'containers.run')[0].hardened, undefined, 'the container is not hardened')
})

Command('dry run: names the command and the image; runs nothing', async () => {
  const engine = createFakeEngine(released())
  const { ctx, events } = taskContext(engine, { root })
  assert.is(await runTask(run, ctx, runArgs(CHECK), { dryRun: true }), 0)
  assert.equal(events, [
    { type: 'plan', id: 'run', title: 'Run', action: 'run', why: { is: 'action', intent: { do: 'run', image: 'acme/app-release:latest', command: ['python', '-m', 'django', 'check'] } } },
  ])
  assert.equal(engine.log(), ['images.inspect acme/app-release:latest'])
})

Command('no such image: a UserError saying to build it, before any container', async () => {
  const engine = createFakeEngine()
  const e = await rejectedUserError(runTask(run, taskContext(engine, { root }).ctx, runArgs(CHECK)), 'no image')
  assert.is(e.message, 'image acme/app-release:latest does not exist')
  assert.equal(engine.log(), ['images.inspect acme/app-release:latest'])
})

Command('an aborted run stops before touching the engine', async () => {
  const engine = createFakeEngine(released())
  const { ctx, events } = taskContext(engine, { root, signal: abortedSignal() })
  const e = await rejectedUserError(runTask(run, ctx, runArgs(CHECK)), 'aborted')
  assert.is(e.message, 'interrupted (SIGINT)')
  assert.equal(engine.calls, [])
  assert.equal(events, [])
})

Command.run()

// ---------------------------------------------------------------------------------------------
const Serve = suite('run (serve)')
let app: FakeApp | undefined
Serve.before.each(() => {
  root = makeTemp('serve')
})
Serve.after.each(async () => {
  await app?.close()
  app = undefined
  removeTemp(root)
})

Serve('serves on the port given, says so once it answers, and stops and removes it on Ctrl-C', async () => {
  app = await serveApp()
  const engine = createFakeEngine(released())
  const stops = recordStops(engine)
  const controller = new AbortController()
  const { ctx, events } = taskContext(engine, { root, signal: controller.signal })
  const running = runTask(run, ctx, runArgs([], { port: String(app.port) }))
  await eventually(events, 'serving')
  assert.equal(
    events.filter((e) => e.type === 'serving'),
    [{ type: 'serving', url: `http://127.0.0.1:${app.port}`, image: 'acme/app-release:latest' }],
  )
  assert.equal(specs(engine, 'containers.start')[0].publish, { containerPort: 8000, hostPort: app.port }, 'the app port published on the port given')
  assert.is(engine.state.containers.length, 1, 'it runs until Ctrl-C')
  controller.abort('SIGINT')
  const e = await rejectedUserError(running, 'Ctrl-C')
  assert.is(e.message, 'interrupted (SIGINT)')
  assert.is(e.exitCode, 130)
  assert.equal(stops, [3], 'stopped with a grace period (the server shuts down), not only removed')
  assert.equal(engine.state.containers, [], 'the container is removed')
})

Serve('an app that stops by itself after answering: its exit code, and the container is removed', async () => {
  const engine = createFakeEngine(released())
  engine.script = () => ({ exitCode: 1, output: ['[CRITICAL] WORKER TIMEOUT'] })
  app = await serveApp(undefined, stopsAfterFirstAnswer(engine))
  const { ctx, events } = taskContext(engine, { root })
  const e = await rejectedUserError(runTask(run, ctx, runArgs([], { port: String(app.port) })), 'app stops')
  assert.is(e.message, 'the app exited with code 1', 'it had answered: no "before answering"')
  assert.equal(e.details, ['[CRITICAL] WORKER TIMEOUT'])
  assert.ok(
    events.some((x) => x.type === 'serving'),
    'it was serving',
  )
  assert.equal(engine.state.containers, [], 'the container is removed')
})

Serve('an app that stops with 0 after answering: the task ends with 0', async () => {
  const engine = createFakeEngine(released())
  app = await serveApp(undefined, stopsAfterFirstAnswer(engine))
  assert.is(await runTask(run, taskContext(engine, { root }).ctx, runArgs([], { port: String(app.port) })), 0)
  assert.equal(engine.state.containers, [])
})

Serve('an app that exits before answering: its exit code and output, never "serving"', async () => {
  const port = await closedPort()
  const engine = createFakeEngine(released())
  engine.script = () => ({ exitCode: 2, output: ['Error: No module named "site"'], exitsAfterMs: 0 })
  const { ctx, events } = taskContext(engine, { root })
  const e = await rejectedUserError(runTask(run, ctx, runArgs([], { port: String(port) })), 'app exits')
  assert.is(e.message, 'the app exited with code 2 before answering')
  assert.equal(e.details, ['Error: No module named "site"'])
  assert.not.ok(
    events.some((x) => x.type === 'serving'),
    'never "serving"',
  )
  assert.equal(engine.state.containers, [], 'the container is removed')
})

Serve('dry run: names the image and the port (0: a free port); starts nothing', async () => {
  for (const [port, hostPort] of [
    [undefined, 8000],
    ['0', 0],
  ] as const) {
    const engine = createFakeEngine(released())
    const { ctx, events } = taskContext(engine, { root })
    await runTask(run, ctx, runArgs([], port ? { port } : {}), { dryRun: true })
    assert.equal(
      events.map((e) => e.type === 'plan' && e.why),
      [{ is: 'action', intent: { do: 'serve', image: 'acme/app-release:latest', hostPort } }],
      `--port ${port}`,
    )
    assert.equal(engine.log(), ['images.inspect acme/app-release:latest'])
  }
})

Serve('an invalid --port: a usage error before the engine is asked anything', async () => {
  const engine = createFakeEngine(released())
  const e = await rejectedUserError(runTask(run, taskContext(engine, { root }).ctx, runArgs([], { port: '80000' })), 'bad port')
  assert.match(e.message, /--port must be a port number/)
  assert.is(e.exitCode, 2)
  assert.equal(engine.calls, [])
})

Serve.run()
