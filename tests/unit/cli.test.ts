import { readFileSync } from 'node:fs'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import type { ParsedArgv } from '../../lib/args.js'
import { dispatch, useListr } from '../../lib/cli.js'
import { interrupted, UserError } from '../../lib/errors.js'
import type { TaskArgs, TaskDef } from '../../lib/tasks/types.js'
import type { Context } from '../../lib/context.js'
import { action } from '../../lib/graph/action.js'
import type { NodeResult } from '../../lib/pipeline/image-graph.js'
import { done } from '../../lib/tasks/outcome.js'

const argv = (plain: boolean, json = false): ParsedArgv => ({ help: false, version: false, verbose: false, plain, json, args: { positional: [], options: {}, rest: [] } })

// ---------------------------------------------------------------------------------------------
const UseListr = suite('useListr')

const cases: { name: string; plain: boolean; env: NodeJS.ProcessEnv; tty: boolean; want: boolean }[] = [
  { name: 'a terminal, outside CI, without --plain', plain: false, env: {}, tty: true, want: true },
  { name: 'CI=true', plain: false, env: { CI: 'true' }, tty: true, want: false },
  { name: 'CI=1', plain: false, env: { CI: '1' }, tty: true, want: false },
  { name: 'an empty CI variable', plain: false, env: { CI: '' }, tty: true, want: true },
  { name: 'not a TTY (a pipe or a file)', plain: false, env: {}, tty: false, want: false },
  { name: '--plain on a terminal', plain: true, env: {}, tty: true, want: false },
  { name: 'not a TTY and CI', plain: false, env: { CI: 'true' }, tty: false, want: false },
]
for (const c of cases) {
  UseListr(`${c.name} → ${c.want ? 'listr2' : 'plain'}`, () => {
    assert.is(useListr(argv(c.plain), c.env, c.tty), c.want, `${c.name} should ${c.want ? '' : 'not '}use the interactive view`)
  })
}

UseListr('TERM=dumb cannot draw it; NO_COLOR only takes the colours away', () => {
  assert.is(useListr(argv(false), { TERM: 'dumb' }, true), false, 'a dumb terminal gets plain lines')
  assert.is(useListr(argv(false), { NO_COLOR: '1' }, true), true, 'NO_COLOR keeps the view, without colours')
})

UseListr('--progress and BUILDKIT_PROGRESS decide before the terminal does', () => {
  const withProgress = (progress: ParsedArgv['progress']) => ({ ...argv(false), progress })
  assert.is(useListr(withProgress('tty'), { CI: 'true' }, false), true, '--progress tty draws the view even in CI')
  assert.is(useListr(withProgress('plain'), {}, true), false, '--progress plain on a terminal')
  assert.is(useListr(argv(false), { BUILDKIT_PROGRESS: 'plain' }, true), false, 'BUILDKIT_PROGRESS=plain')
  assert.is(useListr(withProgress('auto'), { BUILDKIT_PROGRESS: 'plain' }, true), true, '--progress auto wins over BUILDKIT_PROGRESS')
})

UseListr.run()

const UseListrJson = suite('useListr with --json')
UseListrJson('--json never draws the interactive view, even on a terminal', () => {
  assert.is(useListr(argv(false, true), {}, true), false)
})
UseListrJson.run()

// ---------------------------------------------------------------------------------------------
// dispatch: argv → task → exit code, with stand-in tasks (no project, no engine) and captured output.

/** What each stand-in task was given, by name. */
const received = new Map<string, TaskArgs>()
/** A task that needs no project; `does` decides how it ends. test and run keep their real names: only they take words after --. */
const standIn = (name: string, does: (args: TaskArgs) => Promise<number> = async () => 0, over: Partial<TaskDef> = {}): TaskDef => ({
  name,
  description: `stand-in ${name}`,
  args: [],
  options: [],
  needsProject: false,
  engine: false,
  async nodes(_ctx, args) {
    received.set(name, args)
    return [action<Context, NodeResult>({ id: name, title: name, quiet: true, describe: async () => ({ do: 'run', image: name, command: [] }), run: async () => ({ result: done(await does(args)) }) })]
  },
  ...over,
})
const standIns: TaskDef[] = [
  standIn('test', async () => 0, { rest: { shown: '<test args…>', options: true } }),
  standIn('run', async () => 0, { options: [{ name: 'port', value: 'N', description: 'host port' }], rest: { shown: '<command…>', options: false } }),
  standIn('release', async () => 0, { args: [{ name: 'tags', description: 'extra tags', variadic: true }], options: [{ name: 'smoke', description: 'then smoke it' }] }),
  standIn('fail', async () => {
    throw new UserError('the tests failed', { hint: 'their output is above' })
  }),
  standIn('interrupted', async () => {
    throw interrupted()
  }),
  standIn('terminated', async () => {
    const c = new AbortController()
    c.abort('SIGTERM')
    throw interrupted(c.signal)
  }),
  standIn('bug', async () => {
    throw new TypeError('x is undefined')
  }),
]

async function cli(args: string[], env: NodeJS.ProcessEnv = {}) {
  received.clear()
  const out = { stdout: [] as string[], stderr: [] as string[] }
  const code = await dispatch(args, { tasks: standIns, env, write: (line, stream) => out[stream].push(line) })
  return { code, stdout: out.stdout.join('\n'), stderr: out.stderr.join('\n'), env }
}

const Dispatch = suite('dispatch')

Dispatch('everything after -- reaches test untouched: test -- -k foo -x', async () => {
  const r = await cli(['test', '--', '-k', 'foo', '-x'])
  assert.is(r.code, 0, r.stderr)
  assert.equal(received.get('test'), { positional: [], options: {}, rest: ['-k', 'foo', '-x'] }, 'test should get its pytest arguments as given')
})

Dispatch('everything after -- reaches run untouched: run -- python -c "print(1)"', async () => {
  const r = await cli(['run', '--port', '0', '--', 'python', '-c', 'print(1)', '--verbose', '--'])
  assert.is(r.code, 0, r.stderr)
  assert.equal(received.get('run'), { positional: [], options: { port: '0' }, rest: ['python', '-c', 'print(1)', '--verbose', '--'] }, 'run should get its command as given')
})

const usage: { name: string; argv: string[]; error: string; last: string; json?: boolean }[] = [
  { name: '--config --json', argv: ['release', '--config', '--json'], error: 'error: --config needs a FILE, got --json', last: 'Usage: pypackage-tasks release [tags…] [options]', json: true },
  { name: '-x', argv: ['-x', 'test'], error: 'error: unknown option -x', last: 'Usage: pypackage-tasks <task> [arguments] [options]' },
  { name: 'a stray word', argv: ['test', 'foo'], error: 'error: unexpected argument "foo": test takes no arguments', last: 'Usage: pypackage-tasks test [-- <test args…>]' },
  { name: 'an unknown task', argv: ['relase'], error: 'error: unknown task "relase"', last: 'Usage: pypackage-tasks <task> [arguments] [options]' },
  { name: '-v taken for a task before', argv: ['-v'], error: 'Usage: pypackage-tasks <task> [arguments] [options]', last: "Run `pypackage-tasks <task> --help` for a task's arguments." },
]
for (const c of usage) {
  Dispatch(`a usage error (${c.name}) exits 2 with the synopsis, and runs nothing`, async () => {
    const r = await cli(c.argv)
    assert.is(r.code, 2, `a usage error should exit 2:\n${r.stderr}`)
    const lines = r.stderr.split('\n')
    assert.is(lines[0], c.error, 'the first line should say what is wrong')
    assert.is(lines.at(-1), c.last, 'the last line should be the synopsis')
    if (c.json) assert.is(JSON.parse(r.stdout).exitCode, 2, '--json was typed: stdout holds the error event, and only that')
    else assert.is(r.stdout, '', 'nothing on stdout')
    assert.is(received.size, 0, 'no task should run')
  })
}

Dispatch("a usage error thrown by a task (a bad --port) also exits 2, with that task's synopsis", async () => {
  const bad = standIn(
    'serve',
    async (args) => {
      const { parsePort } = await import('../../lib/args.js')
      return parsePort(args.options.port, 8000)
    },
    { options: [{ name: 'port', value: 'N', description: 'host port' }] },
  )
  const out: string[] = []
  const code = await dispatch(['serve', '--port', 'abc'], { tasks: [bad], env: {}, write: (line) => out.push(line) })
  assert.is(code, 2)
  assert.equal(out, ['error: --port must be a port number from 0 to 65535, got "abc"', 'hint: 0 picks any free port', 'Usage: pypackage-tasks serve [options]'])
})

const codes: { name: string; argv: string[]; code: number; stderr: RegExp }[] = [
  { name: 'a failure', argv: ['fail'], code: 1, stderr: /^error: the tests failed\nhint: their output is above$/ },
  { name: 'Ctrl-C', argv: ['interrupted'], code: 130, stderr: /^error: interrupted$/ },
  { name: 'SIGTERM', argv: ['terminated'], code: 143, stderr: /^error: interrupted \(SIGTERM\)$/ },
  { name: 'a bug', argv: ['bug'], code: 70, stderr: /^error: unexpected failure \(this is a bug in pypackage-tasks\): x is undefined\n/ },
]
for (const c of codes) {
  Dispatch(`${c.name} exits ${c.code}, without a synopsis`, async () => {
    const r = await cli(c.argv)
    assert.is(r.code, c.code)
    assert.match(r.stderr, c.stderr)
    assert.not.match(r.stderr, 'Usage:', 'only usage errors show the synopsis')
  })
}

Dispatch('--help and <task> --help exit 0 on stdout', async () => {
  const main = await cli(['--help'])
  assert.is(main.code, 0)
  assert.match(main.stdout, /^Usage: pypackage-tasks <task>/)
  const task = await cli(['release', '-h'])
  assert.is(task.code, 0)
  assert.match(task.stdout, /^Usage: pypackage-tasks release \[tags…\] \[options\]/)
  assert.is(received.size, 0, '--help runs nothing')
})

Dispatch('-V and --version print the version from package.json, before or after a task', async () => {
  const { version } = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8'))
  for (const args of [['-V'], ['--version'], ['release', '--version']]) {
    const r = await cli(args)
    assert.is(r.code, 0, `${args.join(' ')}: ${r.stderr}`)
    assert.is(r.stdout, version, `${args.join(' ')} should print ${version}`)
    assert.is(received.size, 0, '--version runs nothing')
  }
})

Dispatch('-v is --verbose: a failure shows its causes', async () => {
  const deep = standIn('deep', async () => {
    throw new UserError('outer', { cause: new Error('the inner cause') })
  })
  const out: string[] = []
  await dispatch(['deep', '-v'], { tasks: [deep], env: {}, write: (line) => out.push(line) })
  assert.match(out.join('\n'), 'cause: Error: the inner cause')
})

Dispatch('--no-color sets NO_COLOR (and drops FORCE_COLOR) for the renderers', async () => {
  const r = await cli(['--no-color', 'test'], { FORCE_COLOR: '1' })
  assert.is(r.code, 0, r.stderr)
  assert.is(r.env.NO_COLOR, '1')
  assert.is(r.env.FORCE_COLOR, undefined)
})

Dispatch('--color sets FORCE_COLOR (and drops NO_COLOR)', async () => {
  const r = await cli(['test', '--color'], { NO_COLOR: '1' })
  assert.is(r.code, 0, r.stderr)
  assert.is(r.env.FORCE_COLOR, '1')
  assert.is(r.env.NO_COLOR, undefined)
})

Dispatch('without either, the environment is left alone', async () => {
  const r = await cli(['test'], { NO_COLOR: '1' })
  assert.equal(r.env, { NO_COLOR: '1' })
})

Dispatch('--json: a usage error is also one JSON event, with exit code 2 and the synopsis', async () => {
  const r = await cli(['release', '--json', '--config', '--verbose'])
  assert.is(r.code, 2)
  const event = JSON.parse(r.stdout)
  assert.is(event.type, 'error')
  assert.is(event.message, '--config needs a FILE, got --verbose')
  assert.is(event.exitCode, 2)
  assert.is(event.usage, 'Usage: pypackage-tasks release [tags…] [options]')
})

Dispatch('--json after -- belongs to the command: errors stay text', async () => {
  const r = await cli(['fail', '--', '--json'])
  assert.is(r.code, 2, 'fail takes nothing after --')
  assert.is(r.stdout, '', 'no JSON event for a --json that is not ours')
})

Dispatch.run()
