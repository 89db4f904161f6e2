import { chmodSync, cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { createHash, randomBytes } from 'node:crypto'
import net from 'node:net'
import path from 'node:path'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { LABEL_TASK } from '../../lib/docker/labels.js'
import { bin, runCli, runCommand, startCli, stopCli, type CliResult } from '../helpers/cli.js'
import { containersOf, execIn, startHttpProbe } from '../helpers/engine.js'
import { httpGet, poll, within } from '../helpers/poll.js'
import { asUser, copyExampleProject, packagedOnce, slowPackage, tail } from '../helpers/project.js'
import { startEngineProxy } from '../helpers/proxy.js'
import { assertNothingLeft, assertOneError, digestDir, snapshot } from '../helpers/state.js'

// Faults as a user meets them: the real CLI in a throwaway copy of the example project, the real
// engine, real signals. Every case checks the exit code, ONE clear message (error + hint, no
// stack) and that nothing is left behind (containers, new tags, wheelhouse bytes, lock folder).
const ns = `pptest${process.pid}faults`
const p = copyExampleProject(ns, 'pptest-faults-')
const wheelhouse = p.at('wheelhouse')
const where = { namespace: ns, project: p.project, wheelhouse, root: p.dir }
const cli = (args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}) => runCli(args, { cwd: opts.cwd ?? p.dir, env: { ...asUser, ...opts.env }, timeoutMs: 180_000 })
const start = (args: string[], env: NodeJS.ProcessEnv = {}) => startCli(args, { cwd: p.dir, env: { ...asUser, ...env } })
type Started = ReturnType<typeof start>

/** The example packaged once (base, builder, wheels, release): the state the faults must leave intact. */
const ready = packagedOnce(p)

/** Non-zero (a user error never exits 70, the CLI's "bug" code), then one clear message. */
function expectFailure(r: CliResult, want: { code?: number; message: RegExp; hint?: RegExp }, what: string): void {
  assert.ok(r.code !== 0 && r.code !== null, `${what}: exits non-zero, got ${r.code}:\n${tail(r.stdout)}\n${r.stderr}`)
  if (want.code !== undefined) assert.is(r.code, want.code, `${what}: exits ${want.code}:\n${r.stderr}`)
  assert.is.not(r.code, 70, `${what}: a user error, not an unexpected failure:\n${r.stderr}`)
  assertOneError(r.stderr, want, what)
}

/** Wait until `check` says the run reached the moment to strike; fail at once if it exited first. */
async function until(app: Started, what: string, check: () => Promise<boolean> | boolean, timeoutMs = 120_000): Promise<void> {
  const state = await poll(what, async () => (app.child.exitCode !== null ? 'exited' : (await check()) ? 'ready' : undefined), timeoutMs, 100)
  assert.is(state, 'ready', `expected ${what}, but the CLI exited with ${app.child.exitCode}:\n${tail(app.output())}`)
}

/** A Dockerfile step that outlasts any test; the nonce keeps it out of every build cache. */
const slowStep = () => `RUN echo "slow step ${randomBytes(4).toString('hex')}" && sleep 60`
/** The slow RUN step has started and printed its line: the sleep is running in the engine now. */
const runStepShown = (app: Started) => {
  const nonce = app.stdout().match(/^\s*Step \d+\/\d+ : RUN echo "slow step ([0-9a-f]+)" && sleep 60/m)?.[1]
  return nonce !== undefined && new RegExp(`^\\s+slow step ${nonce}$`, 'm').test(app.stdout())
}

// ---------------------------------------------------------------------------------------------
const bad = suite('faults: bad input (one clear error, nothing left behind)')

interface BadInput {
  name: string
  args: string[]
  cwd?: string
  setup?: () => void
  message: RegExp
  hint: RegExp
  /** Extra checks after the run (e.g. nothing created outside the project). */
  check?: () => void
}

const outside = path.join(p.dir, '..', 'elsewhere')
const outsideExisted = existsSync(outside)

const badInputs: BadInput[] = [
  {
    name: 'malformed JSON in --config FILE',
    setup: () => p.write('bad-json.json', '{\n  "namespace": "x",\n}\n'),
    args: ['image', 'docker/base', '--config', 'bad-json.json'],
    message: /^error: cannot read bad-json\.json: .*(Expected|Unexpected)/,
    hint: /syntax/,
  },
  {
    name: 'malformed JSON in a found .pypackagerc.json (from the project folder)',
    setup: () => p.write('nested/.pypackagerc.json', '{ namespace: "x" }\n'),
    cwd: p.at('nested'),
    args: ['build'],
    message: /^error: cannot read \S*\.pypackagerc\.json: .*(Expected|Unexpected)/,
    hint: /syntax/,
  },
  {
    name: 'an unknown key',
    setup: () => p.writeConfig('unknown-key.json', { wheelhose: 'wheels' }),
    args: ['build', '--config', 'unknown-key.json'],
    message: /unknown-key\.json: unknown key "wheelhose"/,
    hint: /did you mean "wheelhouse"/,
  },
  {
    name: 'a wrong type',
    setup: () => p.writeConfig('wrong-type.json', { localPackages: 'example/speedups' }),
    args: ['build', '--config', 'wrong-type.json'],
    message: /wrong-type\.json: "localPackages" must be an array, got string/,
    hint: /"localPackages"/,
  },
  {
    name: 'source "../.." (outside the project)',
    setup: () => p.writeConfig('source-outside.json', { source: '../..' }),
    args: ['build', '--config', 'source-outside.json'],
    message: /"source" \(\.\.\/\.\.\) is outside the project/,
    hint: /inside the project/,
  },
  {
    name: 'wheelhouse "../elsewhere" (outside the project)',
    setup: () => p.writeConfig('wheelhouse-outside.json', { wheelhouse: '../elsewhere' }),
    args: ['build', '--config', 'wheelhouse-outside.json'],
    message: /"wheelhouse" \(\.\.\/elsewhere\) is outside the project/,
    hint: /inside the project/,
    check: () => assert.ok(outsideExisted || !existsSync(outside), `nothing is created outside the project (${outside})`),
  },
  {
    name: 'images.builder names a folder without a Dockerfile',
    setup: () => {
      p.write('docker/nodockerfile/README.txt', 'an image folder someone forgot the Dockerfile in\n')
      p.writeConfig('no-dockerfile.json', { images: { builder: 'nodockerfile', release: 'release' } })
    },
    args: ['build', '--config', 'no-dockerfile.json'],
    message: /no builder image: docker\/nodockerfile\/Dockerfile does not exist/,
    hint: /"images\.builder"/,
  },
  {
    name: 'image docker/nope (no such folder)',
    args: ['image', 'docker/nope'],
    message: /no image named "nope"/,
    hint: /known images: .*base/,
  },
  {
    name: 'a Dockerfile syntax error the tool reads: FROMM x',
    setup: () => {
      p.write('docker-fromm/x/Dockerfile', 'FROMM x\n')
      p.writeConfig('fromm.json', { dockerDir: 'docker-fromm' })
    },
    args: ['image', 'docker-fromm/x', '--config', 'fromm.json'],
    message: /docker-fromm\/x\/Dockerfile.*(FROMM|no FROM line)/,
    hint: /FROM/,
  },
  {
    name: 'a Dockerfile syntax error the engine reads: RUNN echo',
    setup: () => {
      p.write('docker-runn/x/Dockerfile', 'FROM debian:bookworm-slim\nRUNN echo hi\n')
      p.writeConfig('runn.json', { dockerDir: 'docker-runn' })
    },
    args: ['image', 'docker-runn/x', '--config', 'runn.json'],
    message: /building docker-runn\/x failed.*unknown instruction: RUNN/i,
    hint: /syntax/,
  },
  {
    name: 'a FROM cycle between two of our images',
    setup: () => {
      p.write('docker-cycle/a/Dockerfile', 'ARG IMAGE_PREFIX=none\nFROM ${IMAGE_PREFIX}-b\n')
      p.write('docker-cycle/b/Dockerfile', 'ARG IMAGE_PREFIX=none\nFROM ${IMAGE_PREFIX}-a\n')
      p.writeConfig('cycle.json', { dockerDir: 'docker-cycle' })
    },
    args: ['image', 'docker-cycle/a', '--config', 'cycle.json'],
    message: /FROM cycle.*a → b → a/,
    hint: /FROM line/,
  },
  {
    name: 'no pyproject.toml or setup.py (source is an empty folder)',
    setup: () => {
      mkdirSync(p.at('empty'), { recursive: true })
      p.writeConfig('no-python.json', { source: 'empty' })
    },
    args: ['build', '--config', 'no-python.json'],
    message: /empty holds no Python project: no pyproject\.toml, setup\.py, manage\.py, requirements\.txt or Python package/,
    hint: /"source"/,
  },
  {
    name: 'an invalid namespace ("Bad Name")',
    setup: () => p.writeConfig('bad-namespace.json', { namespace: 'Bad Name' }),
    args: ['build', '--config', 'bad-namespace.json'],
    message: /"namespace" is "Bad Name"/,
    hint: /lower-case/,
  },
  {
    name: 'an invalid --image reference for run (UPPER:case)',
    args: ['run', '--image', 'UPPER:case'],
    message: /UPPER:case.*not a valid image reference/,
    hint: /lower case/,
  },
  {
    name: 'a build arg that looks like a secret (API_TOKEN)',
    setup: () => p.writeConfig('secret-arg.json', { buildArgs: { API_TOKEN: 'x' } }),
    args: ['image', 'docker/base', '--config', 'secret-arg.json'],
    message: /"API_TOKEN" looks like a secret/,
    hint: /BuildKit secret|"run\.env"/,
  },
  {
    name: 'an invalid extra tag for release (release .bad)',
    args: ['release', '.bad'],
    message: /"\.bad" is not a valid image tag/,
    hint: /letters, digits/,
  },
  {
    name: 'a malformed --concurrency x',
    args: ['image', 'docker/base', '--concurrency', 'x'],
    message: /--concurrency .*"x"/,
    hint: /--concurrency \d/,
  },
]

for (const c of badInputs) {
  bad(`bad input: ${c.name}`, async () => {
    c.setup?.()
    const before = await snapshot(where)
    const r = await cli(c.args, { cwd: c.cwd })
    expectFailure(r, c, c.name)
    c.check?.()
    await assertNothingLeft(before, where, c.name)
  })
}

bad("bad input: a C compile error in a dependency: the compiler's output in the details, a hint about the C extension, the wheelhouse unchanged", async () => {
  await ready()
  const file = p.at('example/speedups/src/speedups/_speedups.c')
  const original = readFileSync(file, 'utf8')
  const before = await snapshot(where)
  assert.ok(before.wheelhouse && Object.keys(before.wheelhouse).length > 1, 'a previous wheelhouse exists')
  writeFileSync(file, `${original}\nstatic int broken( {\n`)
  try {
    const r = await cli(['build'])
    expectFailure(r, { message: /building wheels failed/, hint: /C extension/ }, 'C compile error')
    assert.match(r.stderr, /^ +\| .*_speedups\.c:\d+:\d+: error: /m, `the compiler's own error line is in the details:\n${r.stderr}`)
    await assertNothingLeft(before, where, 'C compile error')
  } finally {
    writeFileSync(file, original)
  }
})

bad('bad input: run --port N with N already in use: one error naming the port, a hint, no container left', async () => {
  await ready()
  const server = net.createServer()
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as net.AddressInfo
  try {
    const before = await snapshot(where)
    const r = await cli(['run', '--port', String(port)])
    expectFailure(r, { message: new RegExp(`${port}.*(address already in use|in use)|(in use|already allocated).*${port}`), hint: /--port/ }, 'port in use')
    await assertNothingLeft(before, where, 'port in use')
  } finally {
    await new Promise((resolve) => server.close(resolve))
  }
})

// `image <release>` packs the wheelhouse as it is and refuses an empty one (`release` builds the
// wheels first, so it never meets an empty wheelhouse).
bad('bad input: an empty wheelhouse at release time (image docker/release): refused, with a hint to build the wheels', async () => {
  await ready()
  mkdirSync(p.at('emptywh'), { recursive: true })
  const config = p.writeConfig('empty-wheelhouse.json', { wheelhouse: 'emptywh' })
  const before = await snapshot(where)
  try {
    const r = await cli(['image', 'docker/release', '--config', config])
    expectFailure(r, { message: /wheel/i, hint: /pypackage-tasks build/ }, 'empty wheelhouse')
    assert.equal(digestDir(p.at('emptywh')), {}, 'the empty wheelhouse stays empty')
    await assertNothingLeft(before, where, 'empty wheelhouse')
  } finally {
    rmSync(p.at('emptywh'), { recursive: true, force: true })
  }
})

// The release build has no network: a step that fetches fails loudly instead, and nothing is
// tagged. Proved against a server that answers (in a container on the engine's default network):
// the same step reaches it from a container and from any other image's build, so only the cut
// network can make the release build fail (an offline machine alone would not).
bad("offline release enforced: a step that reaches a server on the engine's network elsewhere fails in the release build, tags nothing", async () => {
  await ready()
  const base = `${p.project}-base:latest`
  const server = await startHttpProbe(base)
  const nonce = randomBytes(4).toString('hex')
  const fetchStep = (who: string) => `import urllib.request; urllib.request.urlopen('${server.url}/?${who}-${nonce}', timeout=5)`
  try {
    const run = await execIn(base, ['python', '-c', fetchStep('container')])
    assert.is(run.code, 0, `a container on the default network reaches the server:\n${run.output}`)
    p.write('docker/netprobe/Dockerfile', `ARG IMAGE_PREFIX=none\nFROM \${IMAGE_PREFIX}-base\nRUN python -c "${fetchStep('image-build')}"\n`)
    const image = await cli(['image', 'docker/netprobe'])
    assert.is(image.code, 0, `the same step in an image that is not the release reaches the server:\n${tail(image.stdout)}\n${image.stderr}`)
    assert.match(await server.log(), new RegExp(`GET /\\?image-build-${nonce} `), "the server saw that build's request")

    rmSync(p.at('docker/onlinerelease'), { recursive: true, force: true })
    cpSync(p.at('docker/release'), p.at('docker/onlinerelease'), { recursive: true })
    const dockerfile = readFileSync(p.at('docker/release/Dockerfile'), 'utf8')
    p.write('docker/onlinerelease/Dockerfile', dockerfile.replace(/^USER app$/m, `RUN python -c "${fetchStep('release-build')}"\nUSER app`))
    const config = p.writeConfig('online-release.json', { images: { builder: 'builder', release: 'onlinerelease' } })
    const before = await snapshot(where)
    const r = await cli(['release', '--config', config])
    expectFailure(r, { message: /building docker\/onlinerelease failed at Step \d+\/\d+ : RUN python -c/, hint: /RUN step/ }, 'online release step')
    assert.not.match(await server.log(), new RegExp(`release-build-${nonce}`), 'the server never heard from the release build')
    await assertNothingLeft(before, where, 'online release step')
  } finally {
    await server.stop()
    for (const d of ['docker/onlinerelease', 'docker/netprobe']) rmSync(p.at(d), { recursive: true, force: true })
  }
})

// Root reads every file, so the unreadable-file case runs the CLI as nobody, reaching the engine
// through the TCP proxy (the socket is root's).
bad('bad input: an unreadable source file is named, with how to fix it', async () => {
  await ready()
  const proxy = await startEngineProxy()
  const views = p.at('example/polls/views.py')
  const modes = chmodTree(p.dir)
  chmodSync(views, 0o000)
  const before = await snapshot(where)
  try {
    const r = await runCommand('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, bin, 'build'], { cwd: p.dir, env: { DOCKER_HOST: proxy.url, HOME: '/tmp' } })
    expectFailure(r, { message: /cannot read .*example\/polls\/views\.py \(EACCES\)/, hint: /chmod a\+r/ }, 'unreadable source file')
    await assertNothingLeft(before, where, 'unreadable source file')
  } finally {
    chmodSync(views, 0o644)
    modes.restore()
    await proxy.close()
  }
})

/** Let another user into the project (folders rwx, files rw, exec bits kept): the copy is root's 0700. */
function chmodTree(root: string): { restore: () => void } {
  const saved: [string, number][] = []
  const walk = (d: string) => {
    saved.push([d, statSync(d).mode & 0o7777])
    chmodSync(d, 0o777)
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const f = path.join(d, e.name)
      if (e.isDirectory()) walk(f)
      else if (e.isFile()) {
        saved.push([f, statSync(f).mode & 0o7777])
        chmodSync(f, (statSync(f).mode & 0o7777) | 0o666)
      }
    }
  }
  walk(root)
  return { restore: () => saved.reverse().forEach(([f, m]) => chmodSync(f, m)) }
}

// After `ready()`: the test task builds what is missing first, which is not a fault.
bad('bad input: a missing test extra (test.extra names one pyproject.toml does not declare)', async () => {
  await ready()
  const config = p.writeConfig('no-extra.json', { test: { extra: 'nonexistent' } })
  const before = await snapshot(where)
  const r = await cli(['test', '--config', config])
  expectFailure(r, { message: /declares no "nonexistent" extra/, hint: /optional-dependencies/ }, 'missing test extra')
  await assertNothingLeft(before, where, 'missing test extra')
})

bad.after(() => {
  if (!outsideExisted) rmSync(outside, { recursive: true, force: true })
})

bad.run()

// ---------------------------------------------------------------------------------------------
const interrupts = suite('faults: interrupts (real signals: 130 / 143 within 5 s, nothing left behind)')

interface Phase {
  name: string
  args: string[]
  prepare?: () => void
  /** What the CLI must be doing when the signal is sent. */
  moment: string
  reached: (app: Started) => Promise<boolean> | boolean
  /** Lines allowed on stderr before the error, besides "SIGINT: stopping, …". */
  preamble?: RegExp
}

const hasContainer = async (task: string) => (await containersOf(p.project)).some((c) => c.Labels[LABEL_TASK] === task && c.State === 'running')

const phases: Phase[] = [
  {
    name: 'an image build',
    prepare: () => p.write('docker/slow/Dockerfile', `FROM debian:bookworm-slim\n${slowStep()}\n`),
    args: ['image', 'docker/slow', '--force'],
    moment: 'the build to show its RUN step',
    reached: runStepShown,
  },
  {
    name: 'the builder run',
    prepare: () => {
      // A package whose setup.py takes a minute: the signal lands while pip works in the builder.
      p.write('slowpkg/setup.py', 'import time\ntime.sleep(60)\nfrom setuptools import setup\nsetup(name="slowpkg", version="1")\n')
      p.writeConfig('slow-package.json', { source: 'slowpkg', localPackages: [], engine: { warmBuilder: false } })
    },
    args: ['build', '--config', 'slow-package.json'],
    moment: 'a container labelled task=build',
    reached: () => hasContainer('build'),
  },
  {
    name: 'the release image build',
    prepare: () => {
      // A copy of docker/release with a step that never ends, as the release image of another config.
      rmSync(p.at('docker/slowrelease'), { recursive: true, force: true })
      cpSync(p.at('docker/release'), p.at('docker/slowrelease'), { recursive: true })
      const dockerfile = readFileSync(p.at('docker/release/Dockerfile'), 'utf8')
      assert.match(dockerfile, /^CMD /m, 'the release Dockerfile ends with a CMD to put the slow step before')
      p.write('docker/slowrelease/Dockerfile', dockerfile.replace(/^CMD /m, `${slowStep()}\nCMD `))
      p.writeConfig('slow-release.json', { images: { builder: 'builder', release: 'slowrelease' } })
    },
    args: ['release', '--config', 'slow-release.json'],
    moment: 'the release build to show its RUN step',
    reached: runStepShown,
  },
  {
    name: 'run (serving)',
    args: ['run', '--port', '0'],
    moment: 'the app to answer on its URL',
    reached: async (app) => {
      const url = app.stdout().match(/Serving (http:\/\/127\.0\.0\.1:\d+)\//)?.[1]
      return url !== undefined && (await hasContainer('run')) && (await httpGet(`${url}/`)).status === 200
    },
    // The app's own stderr (gunicorn's log) is passed through as it comes: it precedes the error.
    preamble: /^\[\d{4}-\d\d-\d\d [\d:]+ [+-]\d{4}\] \[\d+\] \[[A-Z]+\] /,
  },
  // The command's line is computed by the shell ($((…))), so the CLI echoing the command it runs
  // cannot pass for the command having started.
  {
    name: 'run -- <cmd> (a one-off command)',
    args: ['run', '--', 'sh', '-c', 'echo one-off $((40 + 2)); sleep 60'],
    moment: 'the one-off command to print its line',
    reached: (app) => /one-off 42/.test(app.stdout()),
  },
  {
    name: 'test (the test command running in the builder)',
    prepare: () => p.writeConfig('slow-test.json', { test: { command: ['sh', '-c', 'echo slow test $((40 + 2)); sleep 60'] } }),
    args: ['test', '--config', 'slow-test.json'],
    moment: 'the test command to print its line',
    reached: (app) => /slow test 42/.test(app.stdout()),
  },
]

for (const phase of phases) {
  for (const [signal, code] of [
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ] as const) {
    interrupts(`${signal} during ${phase.name}: exits ${code} within 5 s, nothing left behind`, async () => {
      await ready()
      phase.prepare?.()
      const before = await snapshot(where)
      const app = start(phase.args)
      try {
        await until(app, phase.moment, () => phase.reached(app))
        const sent = Date.now()
        app.child.kill(signal)
        const exit = await within(app.done, 30_000, `the CLI to exit after ${signal}`)
        const took = Date.now() - sent
        assert.is(exit, code, `${signal} exits ${code}:\n${tail(app.output())}`)
        assert.ok(took < 5000, `it stops within 5 s of ${signal} (took ${took} ms)`)
        assertOneError(
          app.stderr(),
          { message: new RegExp(`interrupted \\(${signal}\\)`), hint: false, preamble: new RegExp(`^${signal}\\b${phase.preamble ? `|${phase.preamble.source}` : ''}`) },
          `${signal} during ${phase.name}`,
        )
        await assertNothingLeft(before, where, `${signal} during ${phase.name}`)
      } finally {
        await stopCli(app)
      }
    })
  }
}

interrupts('SIGINT twice during the builder run: the second says the cleanup goes on; exits 130 within 5 s, nothing left behind', async () => {
  await ready()
  slowPackage(p)
  const before = await snapshot(where)
  const app = start(['build', '--config', 'slow-package.json'])
  try {
    await until(app, 'a container labelled task=build', () => hasContainer('build'))
    // The second SIGINT the moment the first is acknowledged, while the builder container is
    // still being removed (a poll would come too late: the cleanup takes a fraction of a second).
    const second = new Promise<boolean>((resolve) => {
      const onData = () => {
        if (!/^SIGINT: stopping/m.test(app.stderr())) return
        app.child.stderr!.off('data', onData)
        resolve(app.child.kill('SIGINT'))
      }
      app.child.stderr!.on('data', onData)
    })
    const sent = Date.now()
    app.child.kill('SIGINT')
    assert.ok(await within(second, 5000, 'the first SIGINT to be acknowledged'), 'the second SIGINT reaches the CLI')
    const exit = await within(app.done, 30_000, 'the CLI to exit after two SIGINTs')
    const took = Date.now() - sent
    assert.match(app.stderr(), /^SIGINT again: still removing what this run created/m, `the second one is acknowledged; the cleanup goes on:\n${app.stderr()}`)
    assert.is(exit, 130, `two SIGINTs exit 130:\n${tail(app.output())}`)
    assert.ok(took < 5000, `it stops within 5 s of the first SIGINT (took ${took} ms)`)
    assertOneError(app.stderr(), { message: /interrupted \(SIGINT\)/, hint: false, preamble: /^SIGINT\b/ }, 'SIGINT twice')
    await assertNothingLeft(before, where, 'SIGINT twice')
  } finally {
    await stopCli(app)
  }
})

interrupts.run()

// ---------------------------------------------------------------------------------------------
const concurrency = suite('faults: two runs at once on one project')

concurrency('two build --force at once: the second says it is "waiting for" the first, both succeed, the wheelhouse ends valid', async () => {
  await ready()
  const runs = [start(['build', '--force']), start(['build', '--force'])]
  try {
    const codes = await within(Promise.all(runs.map((r) => r.done)), 180_000, 'both builds to finish')
    runs.forEach((r, i) => assert.is(codes[i], 0, `build ${i + 1} succeeds:\n${tail(r.output())}`))
    const waiters = runs.filter((r) => /waiting for/.test(r.stdout()))
    assert.is(waiters.length, 1, `exactly one run waits for the other:\n--- 1:\n${tail(runs[0].output(), 15)}\n--- 2:\n${tail(runs[1].output(), 15)}`)
    const holder = runs.find((r) => r !== waiters[0])!
    assert.match(waiters[0].stdout(), new RegExp(`waiting for .*pid ${holder.child.pid}\\b`), 'the waiting line names the run it waits for')
    // Valid: the manifest's wheels all exist, with the bytes it records.
    const manifest = JSON.parse(readFileSync(path.join(wheelhouse, 'pypackage-wheels.json'), 'utf8')) as { packages: Record<string, string>; dependencies: string[]; sha256: Record<string, string> }
    const listed = [...Object.values(manifest.packages), ...manifest.dependencies]
    assert.ok(listed.length > 2, 'the manifest lists the wheels')
    const present = readdirSync(wheelhouse)
    for (const w of listed) {
      assert.ok(present.includes(w), `${w} (in the manifest) exists in the wheelhouse`)
      assert.is(
        createHash('sha256')
          .update(readFileSync(path.join(wheelhouse, w)))
          .digest('hex'),
        manifest.sha256[w],
        `${w} has the bytes the manifest records`,
      )
    }
    // Both succeeded: the wheels may be rewritten and --force tags new images (their inputs
    // include the parent's id, which a forced rebuild changes); nothing else may remain.
    assert.equal(await containersOf(p.project), [], 'no container is left')
    assert.not.ok(existsSync(p.at('.pypackage')), 'the lock and staging folder (.pypackage/) are gone')
  } finally {
    await Promise.all(runs.map((r) => stopCli(r)))
  }
})

concurrency.run()

// ---------------------------------------------------------------------------------------------
const engineGone = suite('faults: the engine goes away mid-build')

engineGone('image build through a proxy that is cut at the RUN step: exit 1, an error naming the lost engine, a hint, no new tag', async () => {
  const proxy = await startEngineProxy()
  let app: Started | undefined
  try {
    p.write('docker/slow/Dockerfile', `FROM debian:bookworm-slim\n${slowStep()}\n`)
    const before = await snapshot(where)
    app = start(['image', 'docker/slow', '--force'], { DOCKER_HOST: proxy.url })
    await until(app, 'the build to show its RUN step', () => runStepShown(app!))
    assert.ok(proxy.accepted() > 0, 'the CLI talks to the engine through the proxy')
    proxy.cut()
    const exit = await within(app.done, 30_000, 'the CLI to exit after the engine went away')
    assert.is(exit, 1, `a lost engine exits 1:\n${tail(app.output())}`)
    assertOneError(app.stderr(), { message: /lost the (Docker )?engine|engine (went away|is gone|stopped answering)/i, hint: /engine/ }, 'engine gone')
    await assertNothingLeft(before, where, 'engine gone')
  } finally {
    if (app) await stopCli(app)
    await proxy.close()
  }
})

engineGone.after(async () => {
  await p.remove()
})

engineGone.run()
