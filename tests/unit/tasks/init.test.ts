import { existsSync, readdirSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import type { Event } from '../../../lib/events.js'
import { builtinDockerDir } from '../../../lib/project.js'
import { MK_HEADER } from '../../../lib/scaffold/makefile.js'
import { init } from '../../../lib/tasks/init.js'
import type { TaskArgs } from '../../../lib/tasks/types.js'
import { createFakeEngine } from '../../helpers/fake-engine.js'
import { rejectedUserError } from '../helpers/catch.js'
import { abortedSignal, runTask, taskContext } from '../helpers/context.js'
import { makeTemp, removeTemp, writeTree } from '../helpers/tmp.js'

// The init task (lib/tasks/init.ts) in a temporary project folder: init works in the current
// folder, so each test changes into it (each test file runs in a process of its own).

const initArgs = (options: Record<string, string | boolean> = {}): TaskArgs => ({ positional: [], options, rest: [] })
const flask = {
  'pyproject.toml': '[project]\nname = "Shop_Site"\nversion = "0.1"\ndependencies = ["flask"]\n',
  'shop.py': 'from flask import Flask\n\napp = Flask(__name__)\n',
}
const django = {
  'manage.py': 'import os, sys\n',
  'requirements.txt': 'Django\n',
  'mysite/__init__.py': '',
  'mysite/settings.py': 'INSTALLED_APPS = []\n',
  'mysite/wsgi.py': "import os\nfrom django.core.wsgi import get_wsgi_application\nos.environ.setdefault('DJANGO_SETTINGS_MODULE', 'mysite.settings')\napplication = get_wsgi_application()\n",
}
const read = (rel: string) => readFileSync(path.join(root, rel), 'utf8')
const listing = () => readdirSync(root).sort()
const typesOf = (events: Event[]) => events.map((e) => e.type)

// ---------------------------------------------------------------------------------------------
const Init = suite('init')
let root: string
const cwd = process.cwd()
Init.before.each(() => {
  root = makeTemp('init')
  process.chdir(root)
})
Init.after.each(() => {
  process.chdir(cwd)
  removeTemp(root)
})

Init('a Flask project: docker/{base,builder,release}, .pypackagerc.json, pypackage.mk and a Makefile including it', async () => {
  writeTree(root, flask)
  const engine = createFakeEngine()
  const { ctx, events } = taskContext(engine, { root })
  assert.is(await runTask(init, ctx, initArgs()), 0)
  assert.equal(readdirSync(path.join(root, 'docker')).sort(), ['base', 'builder', 'release'], 'no postgres: not a Django project')
  assert.equal(readdirSync(path.join(root, 'docker/release')).sort(), readdirSync(path.join(builtinDockerDir, 'release')).sort(), "a copy of the tool's release folder")
  assert.is(read('docker/base/Dockerfile'), readFileSync(path.join(builtinDockerDir, 'base/Dockerfile'), 'utf8'))
  const config = JSON.parse(read('.pypackagerc.json')) as Record<string, unknown>
  assert.equal([config.namespace, config.app, config.source], ['pypackage', 'shop_site', '.'], 'the app named from pyproject.toml')
  assert.match(String(config.$schema), /pypackagerc\.schema\.json$/, 'it points at the schema')
  assert.ok(read('pypackage.mk').startsWith(MK_HEADER), 'pypackage.mk is ours')
  assert.match(read('pypackage.mk'), /^release:/m, 'with a target per task')
  assert.is(read('Makefile'), 'include pypackage.mk\n', 'a Makefile of one line')
  const done = events.find((e) => e.type === 'init:done')
  assert.equal(done, {
    type: 'init:done',
    app: 'shop_site',
    files: ['docker/base', 'docker/builder', 'docker/release', '.pypackagerc.json', 'pypackage.mk'],
    makefile: { action: 'written', renamed: [] },
  })
  assert.equal(typesOf(events), ['init:done', 'shape', 'init:next'], 'what was written, what was found, what next')
  assert.equal(engine.calls, [], 'no engine')
})

Init('an application in a folder named like one of its requirements (a checkout called starlette): named <folder>-app, which its wheel can be', async () => {
  const dir = path.join(root, 'starlette')
  writeTree(dir, { 'requirements.txt': 'starlette\njinja2\n', 'app.py': 'from starlette.applications import Starlette\n\napp = Starlette()\n' })
  process.chdir(dir)
  const { ctx } = taskContext(createFakeEngine(), { root: dir })
  await runTask(init, ctx, initArgs())
  assert.is((JSON.parse(readFileSync(path.join(dir, '.pypackagerc.json'), 'utf8')) as { app: string }).app, 'starlette-app')
})

Init('the summary names the Python and where it was asked for', async () => {
  writeTree(root, { ...flask, 'runtime.txt': 'python-3.13.2\n' })
  const { ctx, events } = taskContext(createFakeEngine(), { root })
  await runTask(init, ctx, initArgs())
  const shape = events.find((e) => e.type === 'shape')
  assert.equal(shape?.type === 'shape' && shape.python?.from, { source: 'runtime.txt', file: 'runtime.txt', value: '3.13.2' }, 'the Python of runtime.txt, named')
})

Init('an unavailable Python stops init before it writes anything', async () => {
  writeTree(root, { ...flask, '.python-version': '3.9\n' })
  const e = await rejectedUserError(runTask(init, taskContext(createFakeEngine(), { root }).ctx, initArgs()), '3.9')
  assert.match(e.message, /^Python 3\.9, asked for by \.python-version/)
  assert.equal(listing(), ['.python-version', 'pyproject.toml', 'shop.py'], 'nothing written')
})

Init('a Django project gets docker/postgres too, for the release environment', async () => {
  writeTree(root, django)
  await runTask(init, taskContext(createFakeEngine(), { root }).ctx, initArgs())
  assert.equal(readdirSync(path.join(root, 'docker')).sort(), ['base', 'builder', 'postgres', 'release'])
})

Init("a Makefile of the project's own: kept, the include line added at its end, clashing targets renamed", async () => {
  const mine = 'test:\n\tpytest\n'
  writeTree(root, { ...flask, Makefile: mine })
  const { ctx, events } = taskContext(createFakeEngine(), { root })
  await runTask(init, ctx, initArgs())
  const makefile = read('Makefile')
  assert.ok(makefile.startsWith(mine), 'its own rules stay first, untouched')
  assert.match(makefile, /\ninclude pypackage\.mk\n$/, 'the include line at the end')
  const done = events.find((e) => e.type === 'init:done')
  assert.equal(done?.type === 'init:done' && done.makefile, { action: 'added', renamed: [['test', 'pp-test']] })
  assert.match(read('pypackage.mk'), /^pp-test:/m, 'our test target is renamed')
})

Init('refuses to overwrite what exists, naming it; writes nothing', async () => {
  writeTree(root, { ...flask, '.pypackagerc.json': '{"app": "mine"}\n', 'docker/base/Dockerfile': 'FROM mine\n' })
  const before = listing()
  const e = await rejectedUserError(runTask(init, taskContext(createFakeEngine(), { root }).ctx, initArgs()), 'would overwrite')
  assert.is(e.message, 'init would overwrite docker/base, .pypackagerc.json')
  assert.match(e.hint ?? '', /init --force/)
  assert.is(read('.pypackagerc.json'), '{"app": "mine"}\n', 'the config is untouched')
  assert.is(read('docker/base/Dockerfile'), 'FROM mine\n', 'the Dockerfile is untouched')
  assert.equal(listing(), before, 'no file added')
})

Init('a pypackage.mk that is not ours is not overwritten either', async () => {
  writeTree(root, { ...flask, 'pypackage.mk': 'all:\n\techo mine\n' })
  const e = await rejectedUserError(runTask(init, taskContext(createFakeEngine(), { root }).ctx, initArgs()), 'foreign mk')
  assert.is(e.message, 'init would overwrite pypackage.mk')
  assert.is(read('pypackage.mk'), 'all:\n\techo mine\n')
})

Init('--force replaces them', async () => {
  writeTree(root, { ...flask, '.pypackagerc.json': '{"app": "mine"}\n', 'docker/base/Dockerfile': 'FROM mine\n' })
  assert.is(await runTask(init, taskContext(createFakeEngine(), { root }).ctx, initArgs({ force: true })), 0)
  assert.is((JSON.parse(read('.pypackagerc.json')) as { app: string }).app, 'shop_site')
  assert.is(read('docker/base/Dockerfile'), readFileSync(path.join(builtinDockerDir, 'base/Dockerfile'), 'utf8'))
})

Init('--find-links and --no-index are written to "pip"; --no-index alone is refused', async () => {
  writeTree(root, flask)
  const e = await rejectedUserError(runTask(init, taskContext(createFakeEngine(), { root }).ctx, initArgs({ 'no-index': true })), 'no-index alone')
  assert.match(e.message, /^--no-index needs --find-links DIR/)
  assert.not.ok(existsSync(path.join(root, '.pypackagerc.json')), 'nothing written')
  await runTask(init, taskContext(createFakeEngine(), { root }).ctx, initArgs({ 'no-index': true, 'find-links': './wheels' }))
  assert.equal((JSON.parse(read('.pypackagerc.json')) as { pip: unknown }).pip, { findLinks: ['./wheels'], noIndex: true, buildIsolation: false })
})

Init('dry run: names the files it would write; writes nothing', async () => {
  writeTree(root, flask)
  const before = listing()
  const { ctx, events } = taskContext(createFakeEngine(), { root })
  assert.is(await runTask(init, ctx, initArgs(), { dryRun: true }), 0)
  assert.equal(events, [
    {
      type: 'plan',
      id: 'init',
      title: 'Init',
      action: 'run',
      why: { is: 'action', intent: { do: 'init', app: 'shop_site', files: ['docker/base', 'docker/builder', 'docker/release', '.pypackagerc.json', 'pypackage.mk'] } },
    },
  ])
  assert.equal(listing(), before, 'no file written')
})

Init('dry run where files exist: the same refusal as the run', async () => {
  writeTree(root, { ...flask, '.pypackagerc.json': '{}\n' })
  const e = await rejectedUserError(runTask(init, taskContext(createFakeEngine(), { root }).ctx, initArgs(), { dryRun: true }), 'would overwrite')
  assert.is(e.message, 'init would overwrite .pypackagerc.json')
})

Init('an aborted run writes nothing', async () => {
  writeTree(root, flask)
  const before = listing()
  const { ctx, events } = taskContext(createFakeEngine(), { root, signal: abortedSignal() })
  const e = await rejectedUserError(runTask(init, ctx, initArgs()), 'aborted')
  assert.is(e.message, 'interrupted (SIGINT)')
  assert.equal(listing(), before)
  assert.equal(events, [])
})

Init.run()
