import path from 'node:path'
import type { Context } from '../context.js'
import { labelsFor } from '../docker/labels.js'
import { runContainer } from '../docker/run.js'
import { UserError } from '../errors.js'
import { findLinksMounts, MOUNT, pipEnv, pipHint, readManifest, tarExcludes } from './wheels.js'

/** Printed by the test script once the app is installed: after it, the exit code is the tests'. */
export const TESTS_START = 'pypackage-tasks: running'
/** Exit code of the script when the app wheel declares no such extra. */
const NO_EXTRA = 97

/**
 * The test script: check the extra exists, install the app wheel with it (dependencies from the
 * wheelhouse, test tools from pip's find-links/index), then run the command in a copy of the source
 * (tests and their config live there; the source stays untouched).
 */
export function testScript(opts: { appWheel: string; extra: string; wheelhouseRel?: string }): string {
  const wheel = `${MOUNT.wheelhouse}/${opts.appWheel}`
  return [
    'set -eu',
    `python - '${wheel}' '${opts.extra}' <<'PY'`,
    'import sys, zipfile',
    'z = zipfile.ZipFile(sys.argv[1])',
    "meta = z.read(next(n for n in z.namelist() if n.endswith('.dist-info/METADATA'))).decode()",
    "extras = [l.split(':', 1)[1].strip() for l in meta.splitlines() if l.startswith('Provides-Extra:')]",
    `sys.exit(0 if sys.argv[2] in extras else ${NO_EXTRA})`,
    'PY',
    `pip install -q --find-links ${MOUNT.wheelhouse} '${wheel}[${opts.extra}]'`,
    `mkdir -p /tmp/src && tar -C ${MOUNT.source} ${tarExcludes(opts.wheelhouseRel)} -cf - . | tar -C /tmp/src -xf -`,
    'cd /tmp/src',
    `echo '${TESTS_START}' "$*"`,
    'exec "$@"',
  ].join('\n')
}

/** Run the app's tests in the builder image; returns the test command's exit code. */
export async function runTests(ctx: Context, builderRef: string, args: string[]): Promise<number> {
  const { project } = ctx
  const manifest = await readManifest(project.wheelhouse)
  if (!manifest?.packages.app) {
    throw new UserError('the wheelhouse holds no app wheel', { hint: 'build it first: pypackage-tasks build' })
  }
  const { extra, command } = project.config.test
  const findLinks = findLinksMounts(project)
  const wheelhouseRel = path.relative(project.source, project.wheelhouse)
  let started = false
  const tail: string[] = []
  const code = await runContainer(
    await ctx.docker(),
    {
      image: builderRef,
      cmd: ['sh', '-c', testScript({ appWheel: manifest.packages.app, extra, wheelhouseRel: wheelhouseRel.startsWith('..') ? undefined : wheelhouseRel }), 'test', ...command, ...args],
      env: { ...pipEnv(project.config.pip, findLinks.map((f) => f.mount)), PIP_NO_INPUT: '1' },
      binds: [`${project.source}:${MOUNT.source}:ro`, `${project.wheelhouse}:${MOUNT.wheelhouse}:ro`, ...findLinks.map((f) => `${f.host}:${f.mount}:ro`)],
      labels: labelsFor(project.prefix, 'test', ctx.runId),
      onOutput: (line, stream) => {
        if (!started && line.startsWith(TESTS_START)) {
          started = true
          return
        }
        tail.push(line)
        if (tail.length > 30) tail.shift()
        ctx.emit({ type: 'output', stream, line })
      },
    },
    ctx.signal,
  )
  if (code === NO_EXTRA && !started) {
    throw new UserError(`the app declares no "${extra}" extra, so there is nothing to install its tests with`, {
      hint: `add [project.optional-dependencies] ${extra} = ["pytest", …] to pyproject.toml, or set "test.extra" in .pypackagerc.json`,
    })
  }
  if (code !== 0 && !started) {
    throw new UserError(`installing the app with its "${extra}" extra failed (exit ${code})`, { details: tail, hint: pipHint(tail) })
  }
  return code
}
