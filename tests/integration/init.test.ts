import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { bin, repoRoot, runCli, runCommand } from '../helpers/cli.js'
import { containersOf, removeProject } from '../helpers/engine.js'

// A small Django project as a user has it: a pyproject.toml and a package, nothing of ours.
const dir = mkdtempSync(path.join(os.tmpdir(), 'pptest-init-'))
cpSync(path.join(repoRoot, 'tests/fixtures/tinysite'), dir, { recursive: true })
const app = `tinysite-${process.pid}`
const pyproject = path.join(dir, 'pyproject.toml')
writeFileSync(pyproject, readFileSync(pyproject, 'utf8').replace('name = "tinysite"', `name = "${app}"`))
const project = `pypackage/${app}`
const cli = (args: string[]) => runCli(args, { cwd: dir })

const init = suite('init on a fresh project, then release with no edits')

init.after(async () => {
  await removeProject(project)
  rmSync(dir, { recursive: true, force: true })
})

init('init scaffolds docker/, .pypackagerc.json and a Makefile, finding the Django modules', async () => {
  const r = await cli(['init', '--no-index', '--find-links', path.join(repoRoot, '.cache/pyindex')])
  assert.is(r.code, 0, r.stderr)
  for (const f of [
    'docker/base/Dockerfile',
    'docker/base/entrypoint.sh',
    'docker/builder/Dockerfile',
    'docker/release/Dockerfile',
    'docker/postgres/Dockerfile',
    '.pypackagerc.json',
    'Makefile',
    'pypackage.mk',
  ]) {
    assert.ok(existsSync(path.join(dir, f)), `${f} is written`)
  }
  const config = JSON.parse(readFileSync(path.join(dir, '.pypackagerc.json'), 'utf8'))
  assert.equal(config.release, { releaseOnStart: true }, 'only a choice is written: its own sqlite database is migrated at start (the modules are found on every run)')
  assert.match(r.stdout, /serves: tinysite\.wsgi:application \(WSGI, found in tinysite\/wsgi\.py\)/, `init says what it serves:\n${r.stdout}`)
  assert.match(r.stdout, /settings: tinysite\.settings/, 'and the settings it found')
  assert.is(config.app, app, 'the app name comes from pyproject.toml')
})

init("init again refuses to overwrite, naming the files; --force replaces them and never the team's Makefile", async () => {
  // The team's Makefile, with a test target of its own.
  const mine = '# mine\ntest:\n\techo team-test\n'
  writeFileSync(path.join(dir, 'Makefile'), mine)
  const r = await cli(['init'])
  assert.is(r.code, 1)
  assert.match(r.stderr, /error: init would overwrite docker\/base, .*\.pypackagerc\.json/)
  assert.not.match(r.stderr, /Makefile/, 'the Makefile is never something init overwrites')
  assert.match(r.stderr, /hint: .*--force/)
  assert.is(readFileSync(path.join(dir, 'Makefile'), 'utf8'), mine, 'nothing was overwritten')
  const forced = await cli(['init', '--force', '--no-index', '--find-links', path.join(repoRoot, '.cache/pyindex')])
  assert.is(forced.code, 0, forced.stderr)
  const makefile = readFileSync(path.join(dir, 'Makefile'), 'utf8')
  assert.ok(makefile.startsWith(mine), "the team's Makefile is kept byte for byte")
  assert.match(makefile, /^include pypackage\.mk$/m, 'one include line is added')
  assert.match(forced.stdout, /it defines test, so the tool's are make pp-test/, `init says which targets were renamed:\n${forced.stdout}`)
  const again = await cli(['init', '--force', '--no-index', '--find-links', path.join(repoRoot, '.cache/pyindex')])
  assert.is(again.code, 0, again.stderr)
  assert.is(readFileSync(path.join(dir, 'Makefile'), 'utf8'), makefile, 'a second init adds no second include line')
  const make = await runCommand('make', ['test'], { cwd: dir })
  assert.is(make.code, 0, `make test succeeds:\n${make.stdout}\n${make.stderr}`)
  assert.match(make.stdout, /team-test/, "make test is still the team's")
})

init("adopted into a project with its own Makefile: real make runs the team's test, lint and clean as before, the tool's tasks beside them", async () => {
  const team = mkdtempSync(path.join(os.tmpdir(), 'pptest-init-team-'))
  const name = `team-${process.pid}`
  try {
    cpSync(path.join(repoRoot, 'tests/fixtures/tinysite'), team, { recursive: true })
    const toml = path.join(team, 'pyproject.toml')
    writeFileSync(toml, readFileSync(toml, 'utf8').replace('name = "tinysite"', `name = "${name}"`))
    const mine = ['# the team`s own', '.PHONY: test lint clean', 'test:', '\t@echo team-test-ran', 'lint:', '\t@echo team-lint-ran', 'clean:', '\t@echo team-clean-ran', ''].join('\n')
    writeFileSync(path.join(team, 'Makefile'), mine)
    // The tool installed in the project, as npm links it: the rules call it, not npx.
    mkdirSync(path.join(team, 'node_modules/.bin'), { recursive: true })
    symlinkSync(bin, path.join(team, 'node_modules/.bin/pypackage-tasks'))
    const r = await runCli(['init', '--no-index', '--find-links', path.join(repoRoot, '.cache/pyindex')], { cwd: team })
    assert.is(r.code, 0, `${r.stdout}\n${r.stderr}`)
    const make = async (...goals: string[]) => {
      const m = await runCommand('make', ['--no-print-directory', ...goals], { cwd: team })
      assert.is(m.code, 0, `make ${goals.join(' ')} succeeds:\n${m.stdout}\n${m.stderr}`)
      assert.not.match(m.stderr, /overriding recipe/, `make ${goals.join(' ')} replaces no recipe of the team's:\n${m.stderr}`)
      return m.stdout
    }
    for (const target of ['lint', 'clean', 'test']) assert.is(await make(target), `team-${target}-ran\n`, `make ${target} is still the team's, and only that`)
    // A tool task through make (the project's own bin), then the team's lint: a goal of its own, not plan's argument.
    const planned = await make('plan', 'lint')
    assert.match(planned, /would build Image docker\/base: never built/, `make plan runs the tool's plan:\n${planned}`)
    assert.ok(planned.trimEnd().endsWith('team-lint-ran'), `then the team's lint:\n${planned}`)
    assert.match(await make('pp-clean'), /^removed 0 containers, 0 networks, 0 volumes, 0 images and wheelhouse$/m, "the tool's clean, under its prefixed name")
    assert.match(await make('-n', 'release'), /^node_modules\/\.bin\/pypackage-tasks release\s*$/m, 'make -n release names the project`s bin')
  } finally {
    await removeProject(`pypackage/${name}`)
    rmSync(team, { recursive: true, force: true })
  }
})

init('release --smoke with no further edits: the app answers / and its static file', async () => {
  const r = await cli(['release', '--smoke'])
  assert.is(r.code, 0, `${r.stdout}\n${r.stderr}`)
  assert.match(r.stdout, /smoke: GET \/ → 200/)
  assert.match(r.stdout, /smoke: GET \/static\/tinysite\/tiny\.css → 200/)
  assert.equal(await containersOf(project), [], 'nothing left running')
})

init('zero config: a project with only a pyproject.toml uses the built-in Dockerfiles', async () => {
  const bare = mkdtempSync(path.join(os.tmpdir(), 'pptest-bare-'))
  const name = `bare-${process.pid}`
  try {
    writeFileSync(path.join(bare, 'pyproject.toml'), `[project]\nname = "${name}"\nversion = "0.1.0"\n`)
    const plan = await runCli(['plan'], { cwd: bare })
    assert.is(plan.code, 0, plan.stderr)
    assert.match(plan.stdout, /Image docker\/base \(built-in\)/, `the tool's own Dockerfiles are used:\n${plan.stdout}`)
    assert.match(plan.stdout, /Image docker\/release \(built-in\)/)
    const base = await runCli(['image', 'docker/base'], { cwd: bare })
    assert.is(base.code, 0, base.stderr)
    assert.match(base.stdout, new RegExp(`pypackage/${name}-base:c[0-9a-f]{12}`), 'built from the built-in Dockerfile, named after the pyproject')
  } finally {
    await removeProject(`pypackage/${name}`)
    rmSync(bare, { recursive: true, force: true })
  }
})

init('init outside a Python project says where to run it', async () => {
  const empty = mkdtempSync(path.join(os.tmpdir(), 'pptest-init-empty-'))
  try {
    const r = await runCli(['init'], { cwd: empty })
    assert.is(r.code, 1)
    assert.match(r.stderr, /holds no Python project/)
  } finally {
    rmSync(empty, { recursive: true, force: true })
  }
})

init.run()
