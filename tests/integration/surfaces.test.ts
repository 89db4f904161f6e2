import path from 'node:path'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { repoRoot, runCommand } from '../helpers/cli.js'
import { containersOf } from '../helpers/engine.js'
import { copyShape, pyindex } from '../helpers/shapes.js'

// The surfaces the other suites do not drive: the listr2 view on a real terminal (a pseudo-
// terminal from util-linux's `script`), the zx scripts, `smoke` as a task of its own, and the
// legacy builder.
const p = copyShape('hatch-procfile', `pptest${process.pid}v`)
const Surfaces = suite('surfaces: listr2 view, zx scripts, smoke task, legacy builder')
Surfaces.after(() => p.remove())

/** Run the CLI on a pseudo-terminal, as a user's shell does: no CI, a real TERM. */
function onTerminal(args: string[]) {
  const cmd = [process.execPath, path.join(repoRoot, 'bin/pypackage-tasks.js'), ...args].map((w) => `'${w}'`).join(' ')
  const env: NodeJS.ProcessEnv = { ...process.env, TERM: 'xterm-256color', COLUMNS: '120' }
  delete env.CI
  // A pseudo-terminal starts 0 columns wide: give it a size, as a terminal window has.
  return runCommand('script', ['-qec', `stty cols 120 rows 40; ${cmd}`, '/dev/null'], { cwd: p.dir, env: { ...env, CI: '' }, timeoutMs: 300_000 })
}

Surfaces('on a terminal, release draws the listr2 task list (not plain lines) and ends with its summary', async () => {
  const init = await p.cli(['init', '--no-index', '--find-links', pyindex])
  assert.is(init.code, 0, init.stderr)
  p.configure({})
  const r = await onTerminal(['release'])
  assert.is(r.code, 0, `release on a terminal succeeds:\n${r.stdout}`)
  const screen = r.stdout
  // eslint-disable-next-line no-control-regex -- ESC starts a terminal escape code
  assert.match(screen, /\x1b\[/, 'the view draws with terminal escapes')
  assert.match(screen, /✔ Image docker\/release/, `the release row ends checked:\n${screen.slice(-2000)}`)
  assert.not.match(screen, /^▶ /m, 'no plain-mode lines on a terminal')
})

Surfaces('the zx scripts run the same tasks: a graph task (plan) and a run task (list)', async () => {
  const plan = await runCommand(process.execPath, [path.join(repoRoot, 'node_modules/zx/build/cli.js'), path.join(repoRoot, 'scripts/plan.mjs')], { cwd: p.dir, env: { CI: 'true' } })
  assert.is(plan.code, 0, `scripts/plan.mjs succeeds:\n${plan.stdout}\n${plan.stderr}`)
  assert.match(plan.stdout, /would skip\s+Image docker\/release: up to date/, `plan says the release is up to date:\n${plan.stdout}`)
  const list = await runCommand(process.execPath, [path.join(repoRoot, 'node_modules/zx/build/cli.js'), path.join(repoRoot, 'scripts/list.mjs')], { cwd: p.dir, env: { CI: 'true' } })
  assert.is(list.code, 0, list.stderr)
  assert.match(list.stdout, /^release\s+Build what changed/m, 'scripts/list.mjs lists the tasks')
})

Surfaces('smoke as a task: GET / and the static file, then nothing left running', async () => {
  const r = await p.cli(['smoke'])
  assert.is(r.code, 0, `smoke succeeds:\n${r.stdout}\n${r.stderr}`)
  assert.match(r.stdout, /smoke: GET \/ → 200/)
  assert.match(r.stdout, /smoke: GET \/static\/greeter\.css → 200/)
  assert.equal(await containersOf(p.project), [], 'no container left')
})

Surfaces('the legacy builder builds the same images (builder: legacy)', async () => {
  p.configure({ builder: 'legacy' })
  const r = await p.cli(['release', '--force'])
  assert.is(r.code, 0, `release with the legacy builder succeeds:\n${r.stdout}\n${r.stderr}`)
  assert.match(r.stdout, /Step \d+\/\d+ : /, "the legacy builder's steps are shown")
  const smoke = await p.cli(['smoke'])
  assert.is(smoke.code, 0, `its release image serves:\n${smoke.stdout}\n${smoke.stderr}`)
})

Surfaces.run()
