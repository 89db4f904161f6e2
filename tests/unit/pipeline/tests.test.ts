import { spawnSync } from 'node:child_process'
import { existsSync, readdirSync } from 'node:fs'
import path from 'node:path'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import type { ContainerSpec } from '../../../lib/docker/engine.js'
import type { Event } from '../../../lib/events.js'
import { runTests } from '../../../lib/pipeline/tests.js'
import { MANIFEST } from '../../../lib/pipeline/wheel-manifest.js'
import type { Shape } from '../../../lib/shape/detect.js'
import type { TestPlan } from '../../../lib/shape/tests.js'
import { createFakeEngine, type FakeEngine } from '../../helpers/fake-engine.js'
import { rejectedUserError } from '../helpers/catch.js'
import { taskContext } from '../helpers/context.js'
import { makeTemp, removeTemp, writeTree } from '../helpers/tmp.js'

// lib/pipeline/tests.ts: the script the builder runs for `test`, for each place a project keeps
// its test tools, and how its exit says what failed. The script is read from the container spec
// given to the fake engine; its Python parts are run with the host's python3.

const APP_WHEEL = 'app-1.0-py3-none-any.whl'
const DEP_WHEEL = 'django-4.2.11-py3-none-any.whl'
const WHEELHOUSE = {
  [`wheelhouse/${APP_WHEEL}`]: '',
  [`wheelhouse/${DEP_WHEEL}`]: '',
  [`wheelhouse/${MANIFEST}`]: JSON.stringify({ inputs: {}, packages: { app: APP_WHEEL }, dependencies: [DEP_WHEEL], sha256: {} }),
}
const MARKER = 'pypackage-tasks: running'

let root: string

interface Run {
  spec: ContainerSpec
  script: string
  events: Event[]
  engine: FakeEngine
}

/**
 * runTests for a project whose shape says `tests` (and `more`), the builder container answering
 * with `output` and `exitCode`: what it ran, what it emitted, and its outcome.
 */
async function run(tests: TestPlan, more: Partial<Shape> = {}, answer: { exitCode?: number; output?: string[] } = {}, args: string[] = []): Promise<Run & { code: number }> {
  const engine = createFakeEngine({ images: [{ id: 'sha256:builder', tags: ['acme/app-builder:abc1234'], labels: {}, created: 1 }] })
  engine.script = () => ({ exitCode: answer.exitCode ?? 0, output: answer.output })
  const { ctx, events } = taskContext(engine, { root })
  ctx.project.shape = async () => ({ tests, lock: undefined, settings: undefined, ...more }) as Shape
  const code = await runTests(ctx, 'acme/app-builder:abc1234', args)
  const spec = engine.calls.find((c) => c.method === 'containers.run')!.args[0] as ContainerSpec
  return { code, spec, script: spec.cmd![2], events, engine }
}

/** The same, expecting a UserError. */
async function failed(tests: TestPlan, answer: { exitCode: number; output?: string[] }) {
  return rejectedUserError(run(tests, {}, answer), `exit ${answer.exitCode}`)
}

/** The lines of the script, for `includes` checks that name the line. */
const lines = (script: string) => script.split('\n')

// ---------------------------------------------------------------------------------------------
const Script = suite('the test script, per kind of test tools')
Script.before.each(() => {
  root = makeTemp('tests')
  writeTree(root, WHEELHOUSE)
})
Script.after.each(() => removeTemp(root))

Script('every kind: all wheels installed as the release has them, the source copied, the command exec-ed after the marker', async () => {
  const { script, spec } = await run({ tools: { kind: 'none' }, command: ['python', 'manage.py', 'test'] }, {}, {}, ['polls', '-v', '2'])
  const l = lines(script)
  assert.is(l[0], 'set -eu', 'stops at the first failing step')
  assert.ok(l.includes(`pip install -q --no-index --no-deps /wheelhouse/${APP_WHEEL} /wheelhouse/${DEP_WHEEL}`), 'our wheels and the dependencies, offline, no resolving')
  assert.ok(
    l.some((x) => x.startsWith('mkdir -p /tmp/src && tar -C /application ') && x.includes("--exclude='./wheelhouse'") && x.endsWith('| tar -C /tmp/src -xf -')),
    'the source copied to /tmp/src without the wheelhouse inside it',
  )
  assert.ok(l.includes('cd /tmp/src'))
  assert.equal(l.slice(-2), [`echo '${MARKER}' "$*"`, 'exec "$@"'], 'the marker, then the command as the process')
  assert.equal(spec.cmd!.slice(3), ['test', 'python', 'manage.py', 'test', 'polls', '-v', '2'], '$0, then the command and the extra args, unquoted by any shell')
  assert.not.ok(script.includes('--find-links /wheelhouse'), 'no test tools to install')
  assert.not.ok(script.includes('import pytest'), 'no pytest check for a command that is not pytest')
})

Script('an extra: checked to exist in the app wheel, then installed from the wheelhouse with it', async () => {
  const { script } = await run({ tools: { kind: 'extra', name: 'test' }, command: ['python', '-m', 'pytest'] })
  const l = lines(script)
  assert.ok(l.includes(`python - '/wheelhouse/${APP_WHEEL}' 'test' <<'PY'`), 'the extra check, before anything is installed')
  assert.ok(l.includes(`pip install -q --find-links /wheelhouse '/wheelhouse/${APP_WHEEL}[test]'`), 'the app wheel with its extra')
  assert.ok(l.includes("python -c 'import pytest' 2>/dev/null || exit 96"), 'pytest checked for a pytest command')
  assert.ok(l.indexOf(`python - '/wheelhouse/${APP_WHEEL}' 'test' <<'PY'`) < l.findIndex((x) => x.startsWith('pip install -q --no-index')), 'checked before installing')
})

Script('a dependency group: its requirements, each shell-quoted', async () => {
  const { script } = await run({ tools: { kind: 'group', name: 'test', requirements: ['pytest>=7', 'pytest-django; python_version >= "3.8"'] }, command: ['python', '-m', 'pytest'] })
  assert.ok(lines(script).includes(`pip install -q --find-links /wheelhouse 'pytest>=7' 'pytest-django; python_version >= "3.8"'`), script)
})

Script('requirements files: each with -r, from the read-only source', async () => {
  const { script } = await run({ tools: { kind: 'requirements', files: ['requirements-dev.txt'] }, command: ['python', '-m', 'pytest'] })
  assert.ok(lines(script).includes('pip install -q --find-links /wheelhouse -r /application/requirements-dev.txt'), script)
})

Script('a lock: its pins written as constraints, and every tool install constrained by them', async () => {
  const lock = {
    file: 'poetry.lock',
    kind: 'poetry' as const,
    packages: [
      { name: 'pytest', version: '7.4.0' },
      { name: 'django', version: '4.2.11' },
    ],
  }
  const { script } = await run({ tools: { kind: 'extra', name: 'test' }, command: ['pytest'] }, { lock } as unknown as Partial<Shape>)
  const l = lines(script)
  const at = l.indexOf("cat > /tmp/constraints.txt <<'TXT'")
  assert.ok(at > 0, 'constraints written')
  assert.equal(l.slice(at + 1, at + 4), ['django==4.2.11', 'pytest==7.4.0', 'TXT'], 'one pin per line, sorted')
  assert.ok(l.includes(`pip install -q --find-links /wheelhouse -c /tmp/constraints.txt '/wheelhouse/${APP_WHEEL}[test]'`))
})

Script("a Django project: static files collected with its settings (the environment's own first)", async () => {
  const { script } = await run({ tools: { kind: 'none' }, command: ['python', 'manage.py', 'test'] }, { settings: 'mysite.settings' })
  assert.ok(lines(script).includes("DJANGO_SETTINGS_MODULE=${DJANGO_SETTINGS_MODULE:-mysite.settings} python - <<'PY'"), script)
  assert.match(script, /call_command\('collectstatic', interactive=False, verbosity=0\)/)
})

Script('what the container gets: the builder image, the source and the wheelhouse copied in, labelled, no pip prompts', async () => {
  const { spec } = await run({ tools: { kind: 'none' }, command: ['pytest'] })
  assert.is(spec.image, 'acme/app-builder:abc1234')
  assert.equal(
    spec.uploads?.map((u) => [u.from, u.to]),
    [
      [root, '/application'],
      [path.join(root, 'wheelhouse'), '/wheelhouse'],
    ],
  )
  assert.equal(spec.binds, undefined, 'no host path mounted')
  assert.equal(spec.downloads, undefined, 'nothing comes back')
  assert.is(spec.env?.PIP_NO_INPUT, '1')
  assert.is(spec.labels?.['pypackage-tasks.task'], 'test')
})

Script('the source the tests get: what its .gitignore keeps, without .git, virtualenvs, node_modules or the wheelhouse; a .dockerignore does not apply', async () => {
  writeTree(root, {
    '.gitignore': 'local_settings.py\n',
    '.dockerignore': 'tests\n',
    'app/views.py': '',
    'tests/test_views.py': '',
    'local_settings.py': '',
    '.git/HEAD': '',
    '.venv/bin/python': '',
    'node_modules/x/index.js': '',
  })
  const { spec } = await run({ tools: { kind: 'none' }, command: ['pytest'] })
  const source = spec.uploads!.find((u) => u.to === '/application')!
  assert.equal(source.files, ['.dockerignore', '.gitignore', 'app/views.py', 'tests/test_views.py'], 'the selection of sources.ts, .gitignore rules only')
})

Script.run()

// ---------------------------------------------------------------------------------------------
const Python = suite("the script's Python parts, run by the host's python3")
Python.before.each(() => void (root = makeTemp('tests-py')))
Python.after.each(() => removeTemp(root))

/** The heredoc of `script` that follows the line starting with `opener`. */
function heredoc(script: string, opener: string): string {
  const l = lines(script)
  const at = l.findIndex((x) => x.startsWith(opener))
  assert.ok(at >= 0, `the script has a line starting ${opener}`)
  return l.slice(at + 1, l.indexOf('PY', at)).join('\n')
}

/** A wheel (a zip) holding `names`, made by python3's zipfile. */
function wheel(file: string, names: string[], metadata = ''): void {
  const py = `import sys, zipfile\nz = zipfile.ZipFile(sys.argv[1], "w")\nfor n in sys.argv[2:]:\n    z.writestr(n, ${JSON.stringify(metadata)} if n.endswith("METADATA") else "")\nz.close()`
  const r = spawnSync('python3', ['-c', py, file, ...names], { encoding: 'utf8' })
  assert.is(r.status, 0, r.stderr)
}

Python('the copy loses the modules the wheel installs, unless they hold tests', async () => {
  writeTree(root, WHEELHOUSE)
  const { script } = await run({ tools: { kind: 'none' }, command: ['pytest'] })
  const py = heredoc(script, "python - '/wheelhouse/")
  const src = path.join(root, 'src')
  writeTree(src, {
    'mysite/settings.py': '',
    'polls/views.py': '',
    'polls/tests.py': '', // a Django app keeps its tests inside: kept
    'util.py': '',
    'manage.py': '',
    'conftest.py': '',
    'tests/test_views.py': '',
  })
  const whl = path.join(root, 'app.whl')
  wheel(whl, ['mysite/__init__.py', 'mysite/settings.py', 'polls/views.py', 'util.py', 'manage.py', 'app-1.0.dist-info/METADATA'])
  const r = spawnSync('python3', ['-', whl], { cwd: src, input: py, encoding: 'utf8' })
  assert.is(r.status, 0, r.stderr)
  assert.equal(readdirSync(src).sort(), ['conftest.py', 'manage.py', 'polls', 'tests'], 'mysite/ and util.py removed (installed by the wheel); manage.py, conftest.py, tests/ kept')
  assert.ok(existsSync(path.join(src, 'polls/tests.py')), 'polls/ kept whole: it holds tests')
})

Python('the extra check: 0 when the app wheel declares the extra, 97 when not', async () => {
  writeTree(root, WHEELHOUSE)
  const { script } = await run({ tools: { kind: 'extra', name: 'test' }, command: ['pytest'] })
  const py = heredoc(script, `python - '/wheelhouse/${APP_WHEEL}' 'test'`)
  const whl = path.join(root, 'app.whl')
  wheel(whl, ['app/__init__.py', 'app-1.0.dist-info/METADATA'], 'Metadata-Version: 2.1\nName: app\nProvides-Extra: docs\nProvides-Extra: test\n')
  const exit = (extra: string) => spawnSync('python3', ['-', whl, extra], { input: py, encoding: 'utf8' }).status
  assert.is(exit('test'), 0, 'declared')
  assert.is(exit('tests'), 97, 'not declared: the exit code runTests turns into "declares no extra"')
})

Python.run()

// ---------------------------------------------------------------------------------------------
const Outcome = suite('runTests: what its exit means')
Outcome.before.each(() => {
  root = makeTemp('tests-outcome')
  writeTree(root, WHEELHOUSE)
})
Outcome.after.each(() => removeTemp(root))

Outcome("after the marker, the exit code is the tests' own; their output is emitted, the marker is not", async () => {
  const { code, events } = await run({ tools: { kind: 'none' }, command: ['pytest'] }, {}, { exitCode: 1, output: ['Processing wheels', `${MARKER} pytest`, 'FAILED test_x.py::test_y'] })
  assert.is(code, 1, 'a failing test run is its exit code, not an error')
  assert.equal(events, [
    { type: 'test:start', command: ['pytest'], tools: { kind: 'none' } },
    { type: 'output', stream: 'stdout', line: 'Processing wheels' },
    { type: 'output', stream: 'stdout', line: 'FAILED test_x.py::test_y' },
  ])
})

Outcome('exit 97 before the marker, with an extra: the app declares no such extra', async () => {
  const e = await failed({ tools: { kind: 'extra', name: 'test' }, command: ['pytest'] }, { exitCode: 97 })
  assert.is(e.message, 'the app declares no "test" extra, so there is nothing to install its tests with')
  assert.match(e.hint ?? '', /\[project\.optional-dependencies\] test = /)
})

Outcome('exit 96 before the marker: pytest is the command but nothing installs it', async () => {
  const e = await failed({ tools: { kind: 'none' }, command: ['python', '-m', 'pytest'] }, { exitCode: 96 })
  assert.is(e.message, "the tests run with pytest, but nothing installs it: no test tools declared, and the app's dependencies do not bring it")
})

Outcome('any other failure before the marker: the preparation failed, with its last lines', async () => {
  const e = await failed({ tools: { kind: 'requirements', files: ['requirements-dev.txt'] }, command: ['pytest'] }, { exitCode: 1, output: ['ERROR: No matching distribution found for pytest-xdist'] })
  assert.is(e.message, 'preparing the tests (requirements-dev.txt) failed (exit 1)')
  assert.equal(e.details, ['ERROR: No matching distribution found for pytest-xdist'])
})

Outcome('a variable the app reads at import and nobody set, before or after the marker: one error naming it', async () => {
  const traceback = ['app.py:4: in <module>', '    SECRET = os.environ["APP_SECRET"]', '<frozen os>:679: in __getitem__', '    ???', "E   KeyError: 'APP_SECRET'"]
  const during = await failed({ tools: { kind: 'none' }, command: ['pytest'] }, { exitCode: 2, output: [`${MARKER} pytest`, ...traceback, 'Interrupted: 1 error during collection'] })
  assert.is(during.message, 'the tests stopped (exit 2): the app reads the environment variable APP_SECRET, which is not set')
  assert.match(during.hint ?? '', /"release": \{ "env": \{ "APP_SECRET"/)
  const before = await failed({ tools: { kind: 'none' }, command: ['pytest'] }, { exitCode: 1, output: ['  File "<frozen os>", line 679, in __getitem__', "KeyError: 'SECRET_KEY'"] })
  assert.is(before.message, 'preparing the tests stopped (exit 1): the app reads the environment variable SECRET_KEY, which is not set', 'collectstatic before the tests')
})

Outcome('a wheelhouse without an app wheel: a UserError before any container', async () => {
  removeTemp(path.join(root, 'wheelhouse'))
  const engine = createFakeEngine()
  const { ctx } = taskContext(engine, { root })
  const e = await rejectedUserError(runTests(ctx, 'acme/app-builder:abc1234', []), 'no wheels')
  assert.is(e.message, 'the wheelhouse holds no app wheel')
  assert.equal(engine.calls, [])
})

Outcome.run()
