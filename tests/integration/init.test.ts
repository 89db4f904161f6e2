import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { repoRoot, runCli } from '../helpers/cli.js'
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
  for (const f of ['docker/base/Dockerfile', 'docker/base/entrypoint.sh', 'docker/builder/Dockerfile', 'docker/release/Dockerfile', 'docker/postgres/Dockerfile', '.pypackagerc.json', 'Makefile']) {
    assert.ok(existsSync(path.join(dir, f)), `${f} is written`)
  }
  const config = JSON.parse(readFileSync(path.join(dir, '.pypackagerc.json'), 'utf8'))
  assert.equal(config.release, { settings: 'tinysite.settings', wsgi: 'tinysite.wsgi:application' }, 'settings and WSGI modules are found')
  assert.is(config.app, app, 'the app name comes from pyproject.toml')
})

init('init again refuses to overwrite, naming the files; --force replaces them', async () => {
  writeFileSync(path.join(dir, 'Makefile'), '# mine\n')
  const r = await cli(['init'])
  assert.is(r.code, 1)
  assert.match(r.stderr, /error: init would overwrite docker\/base, .*Makefile/)
  assert.match(r.stderr, /hint: .*--force/)
  assert.is(readFileSync(path.join(dir, 'Makefile'), 'utf8'), '# mine\n', 'nothing was overwritten')
  const forced = await cli(['init', '--force', '--no-index', '--find-links', path.join(repoRoot, '.cache/pyindex')])
  assert.is(forced.code, 0, forced.stderr)
  assert.match(readFileSync(path.join(dir, 'Makefile'), 'utf8'), /pypackage-tasks/, 'replaced')
})

init('release --smoke with no further edits: the app answers / and its static file', async () => {
  const r = await cli(['release', '--smoke'])
  assert.is(r.code, 0, `${r.stdout}\n${r.stderr}`)
  assert.match(r.stdout, /smoke: GET \/ → 200/)
  assert.match(r.stdout, /smoke: GET \/static\/tinysite\/tiny\.css → 200/)
  assert.equal(await containersOf(project), [], 'nothing left running')
})

init('init outside a Python project says where to run it', async () => {
  const empty = mkdtempSync(path.join(os.tmpdir(), 'pptest-init-empty-'))
  try {
    const r = await runCli(['init'], { cwd: empty })
    assert.is(r.code, 1)
    assert.match(r.stderr, /has no pyproject\.toml or setup\.py/)
  } finally {
    rmSync(empty, { recursive: true, force: true })
  }
})

init.run()
