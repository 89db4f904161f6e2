import { writeFileSync, mkdtempSync, rmSync } from 'node:fs'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { LABEL_TASK } from '../../lib/docker/labels.js'
import { demuxFrames } from '../../lib/docker/run-container.js'
import { runCli, startCli, stopCli } from '../helpers/cli.js'
import { containersOf, docker, imageExists } from '../helpers/engine.js'
import { poll, within } from '../helpers/poll.js'
import { asUser, copyExampleProject, packagedOnce, slowPackage, tail } from '../helpers/project.js'
import { assertNothingLeft, assertOneError, snapshot } from '../helpers/state.js'

// Signals at the moments faults.test.ts does not reach: a Ctrl-C storm that outlasts the run's
// cleanup, Ctrl-C while the smoke container is up, and during push's back-off wait. The real CLI
// in a child process, the real engine, real signals; every case checks the exit code (not a death
// by the signal), the time it took, ONE error line and that nothing is left behind.
const ns = `pptest${process.pid}signals`
const p = copyExampleProject(ns, 'pptest-signals-')
const where = { namespace: ns, project: p.project, wheelhouse: p.at('wheelhouse'), root: p.dir }
const start = (args: string[], opts: { cwd?: string } = {}) => startCli(args, { cwd: opts.cwd ?? p.dir, env: asUser })
type Started = ReturnType<typeof start>

/** The example packaged once (base, builder, wheels, release): the smoke tests run its release image. */
const ready = packagedOnce(p)

const running = (app: Started) => app.child.exitCode === null && app.child.signalCode === null

/** Wait until `check` says the run reached the moment to strike; fail at once if it exited first. */
async function until(app: Started, what: string, check: () => Promise<boolean> | boolean, timeoutMs = 120_000): Promise<void> {
  const state = await poll(what, async () => (!running(app) ? 'exited' : (await check()) ? 'ready' : undefined), timeoutMs, 100)
  assert.is(state, 'ready', `expected ${what}, but the CLI exited with ${app.child.exitCode ?? app.child.signalCode}:\n${tail(app.output())}`)
}

/** How the CLI ended: its code, or the signal that killed it (a code of null alone would hide which). */
async function ending(app: Started, what: string): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  const code = await within(app.done, 30_000, what)
  return { code, signal: app.child.signalCode }
}

/** The project's running container of `task`, if any. */
async function containerOf(task: string) {
  return (await containersOf(p.project)).find((c) => c.Labels[LABEL_TASK] === task && c.State === 'running')
}

/** What a container has printed so far, as text (a non-TTY log comes framed). */
async function logOf(id: string): Promise<string> {
  return demuxFrames((await docker.getContainer(id).logs({ stdout: true, stderr: true })) as unknown as Buffer)
}

/** One clear error after the "SIGINT: stopping, …" lines: `interrupted (SIGINT)`, no hint. */
const assertInterrupted = (stderr: string, what: string) => assertOneError(stderr, { message: /interrupted \(SIGINT\)/, hint: false, preamble: /^SIGINT\b/ }, what)

// ---------------------------------------------------------------------------------------------
const storm = suite('signals: Ctrl-C pressed again and again (the exit code stays 130 to the very end)')

/**
 * SIGINT now and every `everyMs` after, until the CLI has exited; and one more the moment its
 * error line appears: the cleanup is over then, and the process is in its last milliseconds.
 * (Not on every stderr chunk: each "SIGINT again" line would trigger the next signal.) Counts
 * those sent in all, and those sent once the error line was out.
 */
function keepInterrupting(app: Started, everyMs = 5): { sent: () => number; afterCleanup: () => number } {
  let sent = 0
  let afterCleanup = 0
  const send = () => {
    if (!running(app) || !app.child.kill('SIGINT')) return
    sent++
    if (/^error: /m.test(app.stderr())) afterCleanup++
  }
  const timer = setInterval(send, everyMs)
  const onError = (d: Buffer) => /^error: /m.test(d.toString()) && send()
  app.child.stderr!.on('data', onError)
  void app.done.finally(() => {
    clearInterval(timer)
    app.child.stderr!.off('data', onError)
  })
  send()
  return { sent: () => sent, afterCleanup: () => afterCleanup }
}

storm('SIGINT every few ms from the builder run until the CLI has exited: exit 130 (not killed by the signal) within 5 s, nothing left behind', async () => {
  await ready()
  slowPackage(p)
  const before = await snapshot(where)
  const app = start(['build', '--config', 'slow-package.json'])
  try {
    await until(app, 'a container labelled task=build', async () => (await containerOf('build')) !== undefined)
    const sent = Date.now()
    const signals = keepInterrupting(app)
    const exit = await ending(app, 'the CLI to exit under a storm of SIGINTs')
    const took = Date.now() - sent
    // Else this run never reached the moment the test is about (the CLI exited before one got there).
    assert.ok(signals.afterCleanup() > 0, `a SIGINT was sent after the error line, the cleanup over (${signals.sent()} sent in all)`)
    assert.is(exit.signal, null, `the CLI exits by itself, it is not killed by a late SIGINT (${signals.sent()} sent, ${signals.afterCleanup()} after the cleanup):\n${tail(app.output())}`)
    assert.is(exit.code, 130, `any number of SIGINTs exits 130:\n${tail(app.output())}`)
    assert.ok(took < 5000, `it stops within 5 s of the first SIGINT (took ${took} ms)`)
    assertInterrupted(app.stderr(), 'a storm of SIGINTs')
    await assertNothingLeft(before, where, 'a storm of SIGINTs')
  } finally {
    await stopCli(app)
  }
})

storm.run()

// ---------------------------------------------------------------------------------------------
const smoke = suite('signals: SIGINT while the smoke container is up (130 within 5 s, the container removed)')

/** The project's config with `env` added to "run.env": it reaches the container at start, with no rebuild. */
const withRunEnv = (file: string, env: Record<string, string>) => p.writeConfig(file, { run: { ...(p.config.run as object), env } })

/**
 * A config whose smoke container is up but busy: start.sh runs RELEASE_COMMAND before the server
 * when RELEASE_ON_START is set.
 */
const holdBeforeServing = () => withRunEnv('smoke-hold.json', { RELEASE_ON_START: '1', RELEASE_COMMAND: 'echo smoke hold $((40 + 2)); sleep 60' })

/**
 * A config whose app answers `/` at once and then hangs on any other path (the static file smoke
 * GETs next): the signal lands while a smoke request is in flight. APP_SERVE=command runs it.
 */
const slowSecondRequest = () => {
  const server = [
    'import http.server, os, time',
    'class H(http.server.BaseHTTPRequestHandler):',
    '    def do_GET(self):',
    '        if self.path != "/":',
    '            print("slow request", self.path, flush=True)',
    '            time.sleep(60)',
    '        self.send_response(200)',
    '        self.end_headers()',
    '        self.wfile.write(b"ok")',
    'http.server.ThreadingHTTPServer(("0.0.0.0", int(os.environ["PORT"])), H).serve_forever()',
  ].join('\n')
  return withRunEnv('smoke-slow-get.json', { APP_SERVE: 'command', APP_TARGET: `python -u -c '${server}'` })
}

interface SmokeCase {
  name: string
  args: (config: string) => string[]
  config: () => string
  moment: string
  /** Its container's log shows the moment (the shell computed the number, so no echo of a command passes). */
  shown: RegExp
}

const smokeCases: SmokeCase[] = [
  {
    name: 'smoke, waiting for the app to answer',
    config: holdBeforeServing,
    args: (c) => ['smoke', '--config', c],
    moment: 'the smoke container to run its release command',
    shown: /^smoke hold 42$/m,
  },
  {
    name: 'release --smoke, waiting for the app to answer',
    config: holdBeforeServing,
    args: (c) => ['release', '--smoke', '--config', c],
    moment: 'the smoke container to run its release command',
    shown: /^smoke hold 42$/m,
  },
  { name: 'smoke, a GET in flight', config: slowSecondRequest, args: (c) => ['smoke', '--config', c], moment: "the app to receive the static file's GET", shown: /^slow request \/static\//m },
]

for (const c of smokeCases) {
  smoke(`SIGINT during ${c.name}: exits 130 within 5 s, the smoke container removed, nothing left behind`, async () => {
    await ready()
    const config = c.config()
    const before = await snapshot(where)
    const app = start(c.args(config))
    try {
      await until(app, c.moment, async () => {
        const container = await containerOf('smoke')
        return container !== undefined && c.shown.test(await logOf(container.Id))
      })
      const sent = Date.now()
      app.child.kill('SIGINT')
      const exit = await ending(app, 'the CLI to exit after SIGINT')
      const took = Date.now() - sent
      assert.equal(exit, { code: 130, signal: null }, `SIGINT exits 130:\n${tail(app.output())}`)
      assert.ok(took < 5000, `it stops within 5 s of SIGINT (took ${took} ms)`)
      assertInterrupted(app.stderr(), `SIGINT during ${c.name}`)
      await assertNothingLeft(before, where, `SIGINT during ${c.name}`)
    } finally {
      await stopCli(app)
    }
  })
}

smoke('no signal, a GET the app never answers: one error naming the path (exit 1, not a bug), nothing left behind', async () => {
  await ready()
  const config = slowSecondRequest()
  const before = await snapshot(where)
  const r = await runCli(['smoke', '--config', config], { cwd: p.dir, timeoutMs: 120_000 })
  assert.is(r.code, 1, `a hung request is the app's failure, exit 1:\n${tail(r.stdout + r.stderr)}`)
  assert.match(r.stderr, /^error: smoke test failed: GET \/static\/\S+ did not answer: no answer within 5000 ms$/m, `the error names the request:\n${r.stderr}`)
  assert.not.match(r.stderr, /this is a bug|at .*\.js:\d+/, 'no stack trace')
  await assertNothingLeft(before, where, 'a hung smoke request')
})

smoke.after(async () => {
  await p.remove()
})

smoke.run()

// ---------------------------------------------------------------------------------------------
const push = suite("signals: SIGINT during push's back-off wait (130 at once, no further attempt)")

// push publishes <namespace>/app-release:latest; a small image stands in for a release (as in
// publish.test.ts): no Python build needed.
const pushNs = `pptestsigpush${process.pid}`
const repo = `${pushNs}/app-release`
const pushDir = mkdtempSync(path.join(os.tmpdir(), 'pptest-signals-push-'))
writeFileSync(path.join(pushDir, '.pypackagerc.json'), JSON.stringify({ namespace: pushNs, app: 'app' }))

/**
 * A registry that is down: it accepts each connection and drops it at once (the engine reports
 * EOF or a reset, which push retries; a 503 instead would be retried by the engine itself, layer
 * by layer, for over a minute). Each connection is counted: an attempt makes some.
 */
async function droppingRegistry(): Promise<{ host: string; connections: () => number; close: () => Promise<void> }> {
  let connections = 0
  const server = net.createServer((socket) => {
    connections++
    socket.destroy()
  })
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as net.AddressInfo
  const close = () => new Promise<void>((resolve) => server.close(() => resolve()))
  return { host: `127.0.0.1:${port}`, connections: () => connections, close }
}

push.before(async () => {
  await docker.getImage('debian:bookworm-slim').tag({ repo, tag: 'latest' })
})

push.after(async () => {
  for (const img of await docker.listImages({ filters: { reference: [repo, `*/${repo}`] } })) {
    for (const t of img.RepoTags ?? [])
      if (t.includes(repo))
        await docker
          .getImage(t)
          .remove({ noprune: true })
          .catch(() => undefined)
  }
  rmSync(pushDir, { recursive: true, force: true })
})

push("SIGINT while push waits 4 s before its last attempt: exits 130 at once, no request after it, the registry's tag taken back", async () => {
  const registry = await droppingRegistry()
  const app = start(['push', 's1', '--registry', registry.host], { cwd: pushDir })
  try {
    // The longest wait (1 s, 2 s, then 4 s): a wait that ignored the signal could not end in time.
    const waiting = /retrying in 4 s \(attempt 4\/4\)/
    await until(app, 'push to wait 4 s before its last attempt', () => waiting.test(app.stdout()), 60_000)
    assert.ok(registry.connections() > 0, 'the engine reached the registry (which dropped it)')
    const asked = registry.connections()
    const sent = Date.now()
    app.child.kill('SIGINT')
    const exit = await ending(app, 'the CLI to exit after SIGINT')
    const took = Date.now() - sent
    assert.equal(exit, { code: 130, signal: null }, `SIGINT exits 130:\n${tail(app.output())}`)
    assert.ok(took < 2000, `it stops at once, not after the 4 s wait (took ${took} ms)`)
    assert.is(registry.connections(), asked, 'no attempt after the SIGINT: the registry heard nothing more')
    assert.not.match(app.stdout(), /retrying in 8 s|after 4 attempts/, 'no further attempt is announced')
    assertInterrupted(app.stderr(), 'SIGINT during the back-off')
    assert.not.ok(await imageExists(`${registry.host}/${repo}:s1`), 'the tag for the registry the image never reached is taken back')
  } finally {
    await stopCli(app)
    await registry.close()
  }
})

push.run()
