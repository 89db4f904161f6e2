import { createHash } from 'node:crypto'
import { appendFileSync, existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { runCli, startCli, stopCli } from '../helpers/cli.js'
import { commandsIn, warmBuilderOf } from '../helpers/engine.js'
import { poll, within } from '../helpers/poll.js'
import { copyExampleProject, slowPackage, tail } from '../helpers/project.js'

// The warm builder on the real engine: one container per project that outlives a build, reused
// by the next one, replaced when the builder image changes, killed (removed) by an interrupt
// with the wheelhouse left as it was, removed by clean. (own-disk.test.ts: the same on an engine
// without this disk.)
const p = copyExampleProject(`pptestwarm${process.pid}`, 'pptest-warm-')
const cli = (args: string[]) => runCli(args, { cwd: p.dir, timeoutMs: 300_000 })
const wheel = (prefix: string) => readdirSync(p.at('wheelhouse')).find((f) => f.startsWith(prefix))!
const digest = (file: string) =>
  createHash('sha256')
    .update(readFileSync(p.at(`wheelhouse/${file}`)))
    .digest('hex')
const wheelhouse = () => Object.fromEntries(readdirSync(p.at('wheelhouse')).map((f) => [f, digest(f)]))
// A static file, not a module: an edit of a module the wheel holds is patched without the builder (wheel-patch.test.ts).
const touchApp = (n: string) => appendFileSync(p.at('example/polls/static/polls/style.css'), `\n/* warm ${n} */\n`)

const warm = suite('the warm builder (real engine)')

warm.after(async () => {
  await p.remove()
})

warm('two builds in a row: the first starts it, the second reuses it (same id) and builds the changed wheel', async () => {
  const first = await cli(['build'])
  assert.is(first.code, 0, tail(first.stdout + first.stderr, 40))
  assert.match(first.stdout, /builder container started/, 'the first build says it started one')
  const c = await warmBuilderOf(p.project)
  assert.is(c?.State, 'running', 'it keeps running after the build')
  const app = digest(wheel('pollsite-'))
  const django = digest(wheel('django-'))
  touchApp('one')
  const second = await cli(['build'])
  assert.is(second.code, 0, tail(second.stdout + second.stderr, 40))
  assert.match(second.stdout, /built pollsite-0\.1\.0-py3-none-any\.whl/)
  assert.not.match(second.stdout, /builder container (started|replaced)/)
  assert.is((await warmBuilderOf(p.project))?.Id, c!.Id, 'the same container')
  assert.is.not(digest(wheel('pollsite-')), app, 'the app wheel is new')
  assert.is(digest(wheel('django-')), django, 'the dependency wheels are the same bytes')
  assert.not.ok(existsSync(p.at('.pypackage')), 'no staging folder is left')
})

warm('the builder image changes: the container is replaced', async () => {
  const before = await warmBuilderOf(p.project)
  appendFileSync(p.at('docker/builder/Dockerfile'), '\nLABEL pptest.warm="a new builder image"\n')
  const r = await cli(['build'])
  assert.is(r.code, 0, tail(r.stdout + r.stderr, 40))
  assert.match(r.stdout, /builder container replaced/)
  const after = await warmBuilderOf(p.project)
  assert.ok(after && after.Id !== before!.Id, 'a new container')
  assert.is(after!.State, 'running')
})

warm('Ctrl-C during a build in it: exits 130, the build is killed with its container, the wheelhouse is as it was', async () => {
  const config = slowPackage(p)
  // The same package, built in the warm builder.
  p.writeConfig(config, { source: 'slowpkg', localPackages: [] })
  const before = wheelhouse()
  const id = (await warmBuilderOf(p.project))!.Id
  const app = startCli(['build', '--config', config], { cwd: p.dir })
  try {
    // The slow setup.py runs in the warm container: the interrupt lands in the exec.
    await poll('the slow build to run in the warm builder', async () => ((await commandsIn(id)).includes('/tmp/src/') ? true : undefined), 120_000, 200)
    app.child.kill('SIGINT')
    assert.is(await within(app.done, 30_000, 'the build to exit after SIGINT'), 130, `an interrupted build exits 130:\n${app.output()}`)
  } finally {
    await stopCli(app)
  }
  assert.is(await warmBuilderOf(p.project), undefined, 'the warm builder is gone, and its build with it')
  assert.equal(wheelhouse(), before, 'the wheelhouse is exactly as before')
  assert.not.ok(existsSync(p.at('.pypackage')), 'no staging folder is left')
})

warm('the next build starts a new one, its /previous stale (the files sent, more than a pipe holds, are read before that exit); clean removes it', async () => {
  touchApp('two')
  // 4 MB of source: the exec that finds /previous stale must still read all of its stdin, or the
  // sender's pipe breaks (EPIPE) — which once ended the process.
  writeFileSync(p.at('example/polls/templates/polls/big.txt'), 'x'.repeat(4 << 20))
  const r = await cli(['build'])
  assert.is(r.code, 0, tail(r.stdout + r.stderr, 40))
  assert.match(r.stdout, /builder container started/)
  assert.ok(await warmBuilderOf(p.project))
  const clean = await cli(['clean'])
  assert.is(clean.code, 0, clean.stderr)
  assert.is(await warmBuilderOf(p.project), undefined, 'clean removed it')
})

warm.run()
