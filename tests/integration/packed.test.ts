import { readdirSync, rmSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { repoRoot, runCommand } from '../helpers/cli.js'
import { copyExampleProject, tail } from '../helpers/project.js'

// The package as users get it: `npm pack` of this repository (as built: the bundle in dist/cli/,
// help.json, docker/, schema/), installed into a new project with npm, run through `npx`. The
// bin, the bundle's lazy chunks and the files it reads next to itself must all be in the tarball.
const p = copyExampleProject(`pptest${process.pid}k`)
rmSync(p.at('docker'), { recursive: true }) // the project has no Dockerfiles of its own: the package's are used
const Packed = suite('packed: the npm tarball installed into a project')
Packed.after(() => p.remove())

const npm = (args: string[], cwd = p.dir) => runCommand('npm', args, { cwd, timeoutMs: 300_000 })
const npx = (args: string[]) => runCommand('npx', ['--no-install', 'pypackage-tasks', ...args], { cwd: p.dir, env: { CI: 'true' } })

Packed.before(async () => {
  // --ignore-scripts: the tarball of what `npm run build` made, without rebuilding under the test run.
  const pack = await npm(['pack', '--ignore-scripts', '--silent', '--pack-destination', p.dir], repoRoot)
  assert.is(pack.code, 0, `npm pack:\n${pack.stdout}\n${pack.stderr}`)
  const tarball = readdirSync(p.dir).find((f) => f.endsWith('.tgz'))
  assert.ok(tarball, 'npm pack wrote a tarball')
  writeFileSync(p.at('package.json'), JSON.stringify({ name: 'packed-test', version: '1.0.0', private: true }))
  const install = await npm(['install', '--save-dev', '--prefer-offline', '--no-audit', '--no-fund', path.join(p.dir, tarball)])
  assert.is(install.code, 0, `npm install of the tarball:\n${tail(install.stdout)}\n${tail(install.stderr)}`)
})

Packed('holds the bundle, not the compiled tests', async () => {
  const list = await runCommand(
    'tar',
    [
      '-tzf',
      path.join(
        p.dir,
        readdirSync(p.dir).find((f) => f.endsWith('.tgz'))!,
      ),
    ],
    { cwd: repoRoot },
  )
  assert.ok(list.stdout.includes('package/dist/cli/cli.mjs'), 'the bundle')
  assert.ok(list.stdout.includes('package/dist/help.json'), 'the help cache')
  assert.not.ok(list.stdout.includes('package/dist/tests/'), 'no compiled tests')
})

Packed('--help and list answer through npx', async () => {
  const help = await npx(['--help'])
  assert.is(help.code, 0, help.stderr)
  assert.match(help.stdout, /^Usage: pypackage-tasks <task>/)
  const list = await npx(['list'])
  assert.is(list.code, 0, list.stderr)
  assert.match(list.stdout, /^release\s+Build what changed/m)
})

Packed('--version and plan run the bundled CLI: it reads package.json, its Dockerfiles and the schema from the install', async () => {
  const version = await npx(['--version'])
  assert.is(version.code, 0, version.stderr)
  assert.match(version.stdout, /^\d+\.\d+\.\d+/)
  const plan = await npx(['plan'])
  assert.is(plan.code, 0, `plan succeeds:\n${plan.stdout}\n${plan.stderr}`)
  assert.match(plan.stdout, /would (build|skip)\s+Image node_modules\/pypackage-tasks\/docker\/release/, `the package's Dockerfiles:\n${tail(plan.stdout)}`)
  // A config the schema refuses: the schema file is found from the bundle's folder.
  p.write('.pypackagerc.json', JSON.stringify({ ...p.config, builder: 'no-such-builder' }))
  const bad = await npx(['plan'])
  assert.is(bad.code, 1, `a config error:\n${bad.stdout}\n${bad.stderr}`)
  assert.match(bad.stderr, /"builder" is "no-such-builder", not one of/)
})

Packed.run()
