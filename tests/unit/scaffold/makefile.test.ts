import { execFileSync } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { makeTasksOf, pypackageMk } from '../../../lib/scaffold/makefile.js'
import { tasks } from '../../../lib/tasks/registry.js'

/** The repo root, from dist/tests/unit/ where this file runs. */
const repo = fileURLToPath(new URL('../../../../', import.meta.url))
const bin = path.join(repo, 'bin', 'pypackage-tasks.js')

/**
 * What `make -n` would run: the command lines it prints, with no-op `:` lines dropped. The
 * environment is cleared of anything that would change the Makefile's behaviour from outside.
 */
function dryRun(...args: string[]): string[] {
  const env: NodeJS.ProcessEnv = { ...process.env }
  for (const k of ['PYPACKAGE_TASKS', 'ARGS', 'MAKEFLAGS', 'MFLAGS', 'MAKELEVEL', 'TASK', 'TASK_ARGS']) delete env[k]
  const out = execFileSync('make', ['-n', '--no-print-directory', '-C', repo, ...args], { encoding: 'utf8', env, stdio: ['ignore', 'pipe', 'pipe'] })
  return out
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && l !== ':')
}

/** Asserts make ran exactly `node <repo>/bin/pypackage-tasks.js <want…>`. */
function assertDelegates(commands: string[], want: string[], what: string) {
  assert.is(commands.length, 1, `${what} should run exactly one command, got ${JSON.stringify(commands)}`)
  const words = commands[0].split(/\s+/)
  assert.is(words[0], 'node', `${what} should run node, got "${commands[0]}"`)
  assert.match(words[1] ?? '', /(^|\/)bin\/pypackage-tasks\.js$/, `${what} should run bin/pypackage-tasks.js, got "${commands[0]}"`)
  assert.is(path.resolve(repo, words[1]), bin, `${what} should run the repo's own bin (relative to the Makefile), got "${words[1]}"`)
  assert.equal(words.slice(2), want, `${what} should pass ${JSON.stringify(want)} through in order`)
}

// ---------------------------------------------------------------------------------------------
const Makefile = suite('Makefile')

Makefile.before(() => {
  assert.ok(existsSync(bin), `the bin the Makefile delegates to should exist at ${bin}`)
})

const cases: { name: string; args: string[]; want: string[] }[] = [
  { name: 'make image docker/builder', args: ['image', 'docker/builder'], want: ['image', 'docker/builder'] },
  { name: 'make image docker/base docker/builder', args: ['image', 'docker/base', 'docker/builder'], want: ['image', 'docker/base', 'docker/builder'] },
  // Every task of the registry, with no list of them in the Makefile or here.
  ...tasks.map((t) => ({ name: `make ${t.name}`, args: [t.name], want: [t.name] })),
  { name: 'make run ARGS="--port 0"', args: ['run', 'ARGS=--port 0'], want: ['run', '--port', '0'] },
  { name: 'make run ARGS="-- python -m django check"', args: ['run', 'ARGS=-- python -m django check'], want: ['run', '--', 'python', '-m', 'django', 'check'] },
  { name: 'make (no goal)', args: [], want: ['--help'] },
  { name: 'make test -- -k views', args: ['test', '--', '-k', 'views'], want: ['test', '--', '-k', 'views'] },
  { name: 'make help release', args: ['help', 'release'], want: ['release', '--help'] },
]
for (const c of cases) {
  Makefile(`${c.name} → pypackage-tasks ${c.want.join(' ')}`, () => {
    assertDelegates(dryRun(...c.args), c.want, c.name)
  })
}

Makefile('a goal that is also a folder is never "up to date"', () => {
  const env: NodeJS.ProcessEnv = { ...process.env }
  delete env.MAKEFLAGS
  const out = execFileSync('make', ['-n', '--no-print-directory', '-C', repo, 'image', 'docker/builder'], { encoding: 'utf8', env, stdio: ['ignore', 'pipe', 'pipe'] })
  assert.not.match(out, /up to date|Nothing to be done/, 'docker/builder (an existing folder) should not stop make from delegating')
})

Makefile('the PYPACKAGE_TASKS variable can point make at another entry', () => {
  const commands = dryRun('release', 'PYPACKAGE_TASKS=npx pypackage-tasks')
  assert.equal(commands, ['npx pypackage-tasks release'], 'the command should be the given entry followed by the task')
})

Makefile.run()

// ---------------------------------------------------------------------------------------------
const Generated = suite("pypackage.mk (this repository's)")

Generated('is exactly what init generates from the registry (npm run makefile regenerates it)', () => {
  assert.is(
    readFileSync(path.join(repo, 'pypackage.mk'), 'utf8'),
    pypackageMk(makeTasksOf(tasks), []),
    'pypackage.mk should be in step with the task registry: run `npm run build && npm run makefile`',
  )
})

Generated.run()
