import path from 'node:path'
import type { Context } from '../context.js'
import { labelsFor } from '../docker/labels.js'
import { UserError } from '../errors.js'
import { missingEnv, missingEnvWords } from './missing-env.js'
import { appEnv, type Project } from '../project.js'
import { lockConstraints } from '../shape/locks.js'
import { describeTools, type TestPlan } from '../shape/tests.js'
import { ignoreTop, sourceFiles, tarExcludes } from './sources.js'
import { findLinksMounts, MOUNT, pipEnv } from './builder-mounts.js'
import { shellQuote } from '../graph/shell-words.js'
import { pipHint } from './pip-errors.js'
import { readManifest } from './wheel-manifest.js'

const SHADOWED_PY = String.raw`
import os, shutil, sys, zipfile
names = zipfile.ZipFile(sys.argv[1]).namelist()
tops = {n.split("/")[0] for n in names if "/" in n} | {n[:-3] for n in names if "/" not in n and n.endswith(".py")}
def tests_in(path):
    return any(f.startswith("test") or f.endswith("_test.py") for _, _, files in os.walk(path) for f in files if f.endswith(".py"))
for top in sorted(tops):
    if top.endswith((".dist-info", ".data")) or top in ("manage", "conftest", "tests", "test"):
        continue
    for path in (top, top + ".py", os.path.join("src", top)):
        if os.path.isdir(path) and not tests_in(path):
            shutil.rmtree(path)
        elif os.path.isfile(path) and not os.path.basename(path).startswith("test"):
            os.remove(path)
`

/** Printed by the test script once the app is installed: after it, the exit code is the tests'. */
const TESTS_START = 'pypackage-tasks: running'
/** Exit code of the script when the app wheel declares no such extra. */
const NO_EXTRA = 97
/** … and when the command is pytest and nothing installed it. */
const NO_PYTEST = 96

/**
 * The test script: every wheel of the wheelhouse installed (the app as the release has it), then
 * the test tools from where the project keeps them (an extra, a dependency group, a requirements
 * file; pinned by the lock when there is one), a Django project's static files collected (tests
 * that render templates need them), and the command run in a copy of the source (tests and their
 * config live there; the source stays untouched).
 */
function testScript(opts: { wheels: string[]; appWheel: string; tools: TestPlan['tools']; constraints?: string[]; settings?: string; wheelhouseRel?: string; pytest?: boolean }): string {
  const wheel = `${MOUNT.wheelhouse}/${opts.appWheel}`
  const constrain = opts.constraints?.length ? ' -c /tmp/constraints.txt' : ''
  const tools = opts.tools
  const lines = ['set -eu']
  if (constrain) lines.push(`cat > /tmp/constraints.txt <<'TXT'`, ...opts.constraints!, 'TXT')
  if (tools.kind === 'extra') {
    lines.push(
      `python - '${wheel}' '${tools.name}' <<'PY'`,
      'import sys, zipfile',
      'z = zipfile.ZipFile(sys.argv[1])',
      "meta = z.read(next(n for n in z.namelist() if n.endswith('.dist-info/METADATA'))).decode()",
      "extras = [l.split(':', 1)[1].strip() for l in meta.splitlines() if l.startswith('Provides-Extra:')]",
      `sys.exit(0 if sys.argv[2] in extras else ${NO_EXTRA})`,
      'PY',
    )
  }
  lines.push(`pip install -q --no-index --no-deps ${opts.wheels.map((w) => `${MOUNT.wheelhouse}/${w}`).join(' ')}`)
  const install = `pip install -q --find-links ${MOUNT.wheelhouse}${constrain}`
  if (tools.kind === 'extra') lines.push(`${install} '${wheel}[${tools.name}]'`)
  if (tools.kind === 'group') lines.push(`${install} ${tools.requirements.map(shellQuote).join(' ')}`)
  if (tools.kind === 'requirements') lines.push(`${install} ${tools.files.map((f) => `-r ${MOUNT.source}/${f}`).join(' ')}`)
  lines.push(`mkdir -p /tmp/src && tar -C ${MOUNT.source} ${tarExcludes(opts.wheelhouseRel)} -cf - . | tar -C /tmp/src -xf -`, 'cd /tmp/src')
  // The app as its wheel installed it, not as the source tree has it: the copy loses the modules
  // the wheel installs, unless they hold tests (a Django app keeps tests.py inside), so a file the
  // wheel forgot (a template, package data) fails the tests instead of being found beside them.
  lines.push(`python - '${wheel}' <<'PY'`, SHADOWED_PY.trim(), 'PY')
  if (opts.settings) {
    // As the release does it: into STATIC_ROOT, or a folder of ours when the settings have none.
    lines.push(
      `DJANGO_SETTINGS_MODULE=\${DJANGO_SETTINGS_MODULE:-${opts.settings}} python - <<'PY'`,
      'import django; from django.conf import settings; from django.core.management import call_command',
      'django.setup()',
      "if 'django.contrib.staticfiles' in settings.INSTALLED_APPS:",
      "    settings.STATIC_ROOT = settings.STATIC_ROOT or '/tmp/static'",
      "    call_command('collectstatic', interactive=False, verbosity=0)",
      'PY',
    )
  }
  if (opts.pytest) lines.push(`python -c 'import pytest' 2>/dev/null || exit ${NO_PYTEST}`)
  lines.push(`echo '${TESTS_START}' "$*"`, 'exec "$@"')
  return lines.join('\n')
}

type TestTools = TestPlan['tools']

/** The test script for this project: the wheels to install, the test tools, how to collect static files. */
async function testScriptFor(ctx: Context): Promise<{ script: string; tools: TestTools; command: string[] }> {
  const { project } = ctx
  const manifest = await readManifest(project.wheelhouse)
  if (!manifest?.packages.app) {
    throw new UserError('the wheelhouse holds no app wheel', { hint: 'build it first: pypackage-tasks build' })
  }
  const shape = await project.shape()
  const { tools, command } = shape.tests
  const wheelhouseRel = path.relative(project.source, project.wheelhouse)
  const script = testScript({
    wheels: [...Object.values(manifest.packages), ...manifest.dependencies],
    appWheel: manifest.packages.app,
    tools,
    constraints: shape.lock ? lockConstraints(shape.lock) : [],
    settings: shape.settings,
    pytest: command.includes('pytest'),
    wheelhouseRel: wheelhouseRel.startsWith('..') ? undefined : wheelhouseRel,
  })
  return { script, tools, command }
}

/** A preparation step or the tests stopped because the app reads a variable nobody set: one error naming it. */
function missingEnvFailure(code: number, started: boolean, tail: string[]): UserError | undefined {
  const variable = code === 0 ? undefined : missingEnv(tail)
  if (!variable) return undefined
  const { cause, hint } = missingEnvWords(variable)
  return new UserError(`${started ? 'the tests' : 'preparing the tests'} stopped (exit ${code}): the app ${cause}`, { hint })
}

/** Why the preparation (before the tests themselves started) failed, as one error; undefined when the tests ran. */
function preparationFailure(code: number, started: boolean, tools: TestTools, tail: string[]): UserError | undefined {
  if (started || code === 0) return undefined
  if (code === NO_EXTRA && tools.kind === 'extra') {
    return new UserError(`the app declares no "${tools.name}" extra, so there is nothing to install its tests with`, {
      hint: `add [project.optional-dependencies] ${tools.name} = ["pytest", …] to pyproject.toml, or point "test.extra" / "test.requirements" in .pypackagerc.json at where the test tools are`,
    })
  }
  if (code === NO_PYTEST) {
    return new UserError(`the tests run with pytest, but nothing installs it: ${describeTools(tools)}, and the app's dependencies do not bring it`, {
      hint: 'declare the test tools: [project.optional-dependencies] test = ["pytest"], a [dependency-groups] test group, or requirements-dev.txt; or set "test.command" (e.g. ["python", "manage.py", "test"]) in .pypackagerc.json',
    })
  }
  return new UserError(`preparing the tests (${describeTools(tools)}) failed (exit ${code})`, { details: tail, hint: pipHint(tail) })
}

/**
 * The source files the tests get, relative to the source: what its .gitignore files keep, less the
 * default excludes (.git, virtualenvs, node_modules, caches) and the wheelhouse; nested local
 * packages included (their tests too).
 */
async function testSources(project: Project): Promise<string[]> {
  const files = await sourceFiles(project.source, ignoreTop(project.source, project.root), [project.wheelhouse, path.join(project.root, '.pypackage')], { dockerignore: false })
  return files.map((f) => path.relative(project.source, f).split(path.sep).join('/'))
}

/** Run the app's tests in the builder image; returns the test command's exit code. */
export async function runTests(ctx: Context, builderRef: string, args: string[]): Promise<number> {
  const { project } = ctx
  const { script, tools, command } = await testScriptFor(ctx)
  const findLinks = findLinksMounts(project)
  ctx.emit({ type: 'test:start', command, tools })
  // The preparation's output is kept (its failure shows it); the tests' own is printed from the marker on.
  let started = false
  const tail: string[] = []
  const onOutput = (line: string, stream: 'stdout' | 'stderr') => {
    if (!started && line.startsWith(TESTS_START)) {
      started = true
      return
    }
    tail.push(line)
    if (tail.length > 30) tail.shift()
    ctx.emit({ type: 'output', stream, line })
  }
  const env = {
    ...appEnv(project.config),
    ...pipEnv(
      project.config.pip,
      findLinks.map((f) => f.mount),
    ),
    PIP_NO_INPUT: '1',
  }
  const uploads = [
    { from: project.source, to: MOUNT.source, files: await testSources(project) },
    { from: project.wheelhouse, to: MOUNT.wheelhouse },
    ...findLinks.map((f) => ({ from: f.host, to: f.mount })),
  ]
  const labels = labelsFor(project.prefix, 'test', ctx.runId)
  const code = await (await ctx.engine()).containers.run({ image: builderRef, cmd: ['sh', '-c', script, 'test', ...command, ...args], env, uploads, labels, onOutput }, ctx.signal)
  const failed = missingEnvFailure(code, started, tail) ?? preparationFailure(code, started, tools, tail)
  if (failed) throw failed
  return code
}
