import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { globalOptions, mainHelp, parseArgv, synopsis, taskHelp, type ParsedArgv } from '../../lib/args.js'
import { findTask, tasks } from '../../lib/tasks/registry.js'
import type { TaskDef } from '../../lib/tasks/types.js'
import { userError } from './helpers/catch.js'

/** A task with a flag and a valued option, so both kinds are tested whatever the real tasks have. */
const fake: TaskDef = {
  name: 'fake',
  description: 'a task for tests',
  args: [{ name: 'thing', description: 'what to act on', variadic: true }],
  options: [
    { name: 'force', description: 'a flag' },
    { name: 'level', value: 'N', description: 'an option with a value' },
  ],
  nodes: async () => [],
}
const find = (name: string) => (name === 'fake' ? fake : findTask(name))

const parsed = (over: Omit<Partial<ParsedArgv>, 'args'> & { args?: Partial<ParsedArgv['args']> }): ParsedArgv => ({
  help: false,
  version: false,
  verbose: false,
  json: false,
  plain: false,
  ...over,
  args: { positional: [], options: {}, rest: [], ...over.args },
})

// ---------------------------------------------------------------------------------------------
const ParseArgv = suite('parseArgv')

const cases: { name: string; argv: string[]; want: ParsedArgv }[] = [
  { name: 'nothing', argv: [], want: parsed({}) },
  { name: 'a task name alone', argv: ['release'], want: parsed({ task: 'release' }) },
  { name: 'an unknown task name is kept for cli.ts to report', argv: ['relase'], want: parsed({ task: 'relase' }) },
  { name: 'positional arguments after the task', argv: ['image', 'docker/base', 'docker/builder'], want: parsed({ task: 'image', args: { positional: ['docker/base', 'docker/builder'] } }) },
  { name: '--opt value', argv: ['run', '--port', '0'], want: parsed({ task: 'run', args: { options: { port: '0' } } }) },
  {
    name: 'the graph options of image: flags and --concurrency N',
    argv: ['image', 'docker/base', '--force', '--dry-run', '--concurrency', '2'],
    want: parsed({ task: 'image', args: { positional: ['docker/base'], options: { force: true, 'dry-run': true, concurrency: '2' } } }),
  },
  { name: '--opt=value', argv: ['run', '--port=8080'], want: parsed({ task: 'run', args: { options: { port: '8080' } } }) },
  { name: '--opt= with an empty value', argv: ['run', '--image='], want: parsed({ task: 'run', args: { options: { image: '' } } }) },
  { name: '--opt=value keeps later = signs', argv: ['fake', '--level=a=b'], want: parsed({ task: 'fake', args: { options: { level: 'a=b' } } }) },
  { name: 'a task flag', argv: ['fake', '--force'], want: parsed({ task: 'fake', args: { options: { force: true } } }) },
  {
    name: 'options and positionals mixed',
    argv: ['fake', 'a', '--level', '3', 'b', '--force', 'c'],
    want: parsed({ task: 'fake', args: { positional: ['a', 'b', 'c'], options: { level: '3', force: true } } }),
  },
  { name: '-h', argv: ['-h'], want: parsed({ help: true }) },
  { name: '--help', argv: ['--help'], want: parsed({ help: true }) },
  { name: 'a task and -h', argv: ['image', '-h'], want: parsed({ task: 'image', help: true }) },
  { name: '--help before the task', argv: ['--help', 'run'], want: parsed({ task: 'run', help: true }) },
  {
    name: 'global flags anywhere, before and after the task',
    argv: ['--verbose', 'image', 'docker/base', '--plain', '--config', 'ci.json'],
    want: parsed({ task: 'image', verbose: true, plain: true, progress: 'plain', config: 'ci.json', args: { positional: ['docker/base'] } }),
  },
  { name: '--config=file before the task', argv: ['--config=ci/x.json', 'build'], want: parsed({ task: 'build', config: 'ci/x.json' }) },
  { name: '--context NAME before the task', argv: ['--context', 'remote', 'image', 'docker/base'], want: parsed({ task: 'image', context: 'remote', args: { positional: ['docker/base'] } }) },
  { name: '--context=NAME after the task', argv: ['build', '--context=ci-engine'], want: parsed({ task: 'build', context: 'ci-engine' }) },
  {
    name: 'everything after -- goes to rest untouched, even what looks like an option',
    argv: ['run', '--port', '0', '--', 'python', '-m', 'django', '--port', '--verbose', '-h', '--', '--config=x'],
    want: parsed({ task: 'run', args: { options: { port: '0' }, rest: ['python', '-m', 'django', '--port', '--verbose', '-h', '--', '--config=x'] } }),
  },
  { name: 'a trailing -- gives an empty rest', argv: ['run', '--'], want: parsed({ task: 'run' }) },
  { name: 'words after -- are not positionals', argv: ['run', '--', 'image'], want: parsed({ task: 'run', args: { rest: ['image'] } }) },
  { name: 'test -- pytest arguments, untouched', argv: ['test', '--', '-k', 'foo', '-x'], want: parsed({ task: 'test', args: { rest: ['-k', 'foo', '-x'] } }) },
  {
    name: 'run -- a command whose arguments hold spaces, quotes and dashes',
    argv: ['run', '--', 'python', '-c', 'print(1)', '--', "it's -v"],
    want: parsed({ task: 'run', args: { rest: ['python', '-c', 'print(1)', '--', "it's -v"] } }),
  },
  { name: 'manage: the command after --', argv: ['manage', '--', 'createsuperuser', '--noinput'], want: parsed({ task: 'manage', args: { rest: ['createsuperuser', '--noinput'] } }) },
  { name: 'manage: a command word, its options after --', argv: ['manage', 'migrate', '--', '--plan'], want: parsed({ task: 'manage', args: { positional: ['migrate'], rest: ['--plan'] } }) },
  { name: 'an optional argument given', argv: ['logs', 'db'], want: parsed({ task: 'logs', args: { positional: ['db'] } }) },
  { name: 'release takes any number of tags', argv: ['release', 'v1', 'stable'], want: parsed({ task: 'release', args: { positional: ['v1', 'stable'] } }) },
  { name: '--config=--json: a value that looks like an option, given with =', argv: ['plan', '--config=--json'], want: parsed({ task: 'plan', config: '--json' }) },
  { name: '--port=-1 reaches the task (which judges the number)', argv: ['run', '--port=-1'], want: parsed({ task: 'run', args: { options: { port: '-1' } } }) },
  { name: '-v is --verbose', argv: ['-v', 'list'], want: parsed({ task: 'list', verbose: true }) },
  { name: '-v after the task', argv: ['list', '-v'], want: parsed({ task: 'list', verbose: true }) },
  { name: '-V is --version', argv: ['-V'], want: parsed({ version: true }) },
  { name: '--version with a task', argv: ['release', '--version'], want: parsed({ task: 'release', version: true }) },
  { name: '--no-color', argv: ['--no-color', 'list'], want: parsed({ task: 'list', color: false }) },
  { name: '--color', argv: ['list', '--color'], want: parsed({ task: 'list', color: true }) },
  { name: 'the last of --color / --no-color wins', argv: ['--color', 'list', '--no-color'], want: parsed({ task: 'list', color: false }) },
  { name: 'a lone - is a word, not an option', argv: ['tag', '-'], want: parsed({ task: 'tag', args: { positional: ['-'] } }) },
  { name: 'with --help, the arguments are not counted', argv: ['list', 'stray', '--help'], want: parsed({ task: 'list', help: true, args: { positional: ['stray'] } }) },
  { name: 'with --help, a missing argument is fine', argv: ['image', '--help'], want: parsed({ task: 'image', help: true }) },
]
for (const c of cases) {
  ParseArgv(c.name, () => {
    assert.equal(parseArgv(c.argv, find), c.want, `${JSON.stringify(c.argv)} should parse to ${JSON.stringify(c.want)}`)
  })
}

ParseArgv('does not change the argv it is given', () => {
  const argv = ['run', '--port=1', '--', 'x']
  parseArgv(argv, find)
  assert.equal(argv, ['run', '--port=1', '--', 'x'], 'argv should be left as it was')
})

/** The hint's list for a task: its own options, then the global ones, from the registry. */
const known = (task: string) => [...(findTask(task)?.options ?? []), ...globalOptions].map((o) => `--${o.name}`).join(', ')

const errors: { name: string; argv: string[]; message: string; hint: RegExp | string | undefined; usage?: string }[] = [
  {
    name: 'an option of another task',
    argv: ['run', '--force'],
    message: 'unknown option --force for run',
    hint: `known options: ${known('run')}`,
  },
  { name: 'an option no task has', argv: ['plan', '--no-such-option'], message: 'unknown option --no-such-option for plan', hint: `known options: ${known('plan')}` },
  { name: 'a task option misspelt', argv: ['run', '--prot', '1'], message: 'unknown option --prot for run', hint: /known options: --port, --image, --dry-run, --help/ },
  {
    name: 'a task option before its task',
    argv: ['--port', '0', 'run'],
    message: 'unknown option --port',
    hint: /known options: --help, --version, --verbose, --progress, --plain, --json, --metadata-file, --no-color, --color, --config, --context$/,
    usage: 'Usage: pypackage-tasks <task> [arguments] [options]',
  },
  { name: 'a valued option at the end', argv: ['run', '--port'], message: '--port needs a value (N)', hint: /--port N/ },
  { name: '--context without a name', argv: ['build', '--context'], message: '--context needs a value (NAME)', hint: /--context NAME/ },
  { name: 'a valued option right before --', argv: ['run', '--image', '--', 'sh'], message: '--image needs a value (REF)', hint: /--image REF/ },
  { name: '--config without a file', argv: ['build', '--config'], message: '--config needs a value (FILE)', hint: /--config FILE/ },
  { name: 'a value given to a global flag', argv: ['build', '--plain=yes'], message: '--plain is a flag and takes no value', hint: /--plain alone/ },
  { name: 'a value given to a task flag', argv: ['fake', '--force=1'], message: '--force is a flag and takes no value', hint: /--force alone/ },
  // A valued option never swallows the next option as its value.
  {
    name: '--config --json',
    argv: ['plan', '--config', '--json'],
    message: '--config needs a FILE, got --json',
    hint: 'write --config=--json if --json is meant as the FILE',
    usage: 'Usage: pypackage-tasks plan [folder…]',
  },
  {
    name: '--config -v before the task',
    argv: ['--config', '-v', 'build'],
    message: '--config needs a FILE, got -v',
    hint: /--config=-v/,
    usage: 'Usage: pypackage-tasks <task> [arguments] [options]',
  },
  {
    name: 'manage: its command word stays in the suggestion',
    argv: ['manage', 'migrate', '--plan'],
    message: 'unknown option --plan for manage',
    hint: /^words for the manage command go after --: pypackage-tasks manage migrate -- --plan; /,
  },
  { name: 'run: an option is not a command, so no -- suggestion', argv: ['run', '--rm'], message: 'unknown option --rm for run', hint: /^known options: --port, --image, / },
  { name: 'a task option followed by an option', argv: ['run', '--image', '--port', '0'], message: '--image needs a REF, got --port', hint: /--image=--port/ },
  {
    name: 'init --find-links --no-index (the DIR forgotten)',
    argv: ['init', '--find-links', '--no-index'],
    message: '--find-links needs a DIR, got --no-index',
    hint: 'write --find-links=--no-index if --no-index is meant as the DIR',
  },
  { name: 'a negative number without =', argv: ['run', '--port', '-1'], message: '--port needs an N, got -1', hint: /--port=-1/ },
  // Short flags: -h, -v, -V; any other is refused, never taken as a task or an argument.
  { name: '-x alone', argv: ['-x'], message: 'unknown option -x', hint: 'short options: -h (--help), -V (--version), -v (--verbose)' },
  { name: '-x after a task', argv: ['list', '-x'], message: 'unknown option -x for list', hint: /^short options: -h/, usage: 'Usage: pypackage-tasks list' },
  { name: 'bundled short flags', argv: ['list', '-hv'], message: 'unknown option -hv for list', hint: /^short options:/ },
  {
    name: 'a pytest flag before --',
    argv: ['test', '-k', 'foo'],
    message: 'unknown option -k for test',
    hint: /^words for the test command go after --: pypackage-tasks test -- -k foo; short options: -h/,
  },
  {
    name: 'a long pytest flag before --',
    argv: ['test', '--lf'],
    message: 'unknown option --lf for test',
    hint: /^words for the test command go after --: pypackage-tasks test -- --lf; known options: --dry-run, --help/,
  },
  // Words a task does not take.
  { name: 'a word for a task that takes none', argv: ['list', 'stray'], message: 'unexpected argument "stray": list takes no arguments', hint: undefined, usage: 'Usage: pypackage-tasks list' },
  {
    name: 'words for run (its command goes after --)',
    argv: ['run', 'python', 'x.py'],
    message: 'unexpected arguments "python", "x.py": run takes no arguments',
    hint: 'words for the run command go after --: pypackage-tasks run -- python x.py',
    usage: 'Usage: pypackage-tasks run [options] [-- <command…>]',
  },
  { name: 'what make test -- -k foo leaves (make takes -k)', argv: ['test', 'foo'], message: 'unexpected argument "foo": test takes no arguments', hint: /pypackage-tasks test -- foo$/ },
  {
    name: 'one word too many',
    argv: ['logs', 'db', 'web'],
    message: 'unexpected argument "web": logs takes at most 1 ([service])',
    hint: undefined,
    usage: 'Usage: pypackage-tasks logs [service] [options]',
  },
  {
    name: 'words after -- for a task that runs no command',
    argv: ['release', 'v1', '--', 'foo'],
    message: 'release takes nothing after --, got "foo"',
    hint: 'release runs no command of yours: words after -- are for tasks that do (their --help shows [-- …])',
    usage: 'Usage: pypackage-tasks release [tags…] [options]',
  },
  {
    name: 'a required argument missing',
    argv: ['image'],
    message: 'image needs <folder…>',
    hint: 'folder: image folder, e.g. docker/base (or just base)',
    usage: 'Usage: pypackage-tasks image <folder…> [options]',
  },
  {
    name: 'a required argument missing, nothing after -- either',
    argv: ['manage'],
    message: 'manage needs <command…>',
    hint: /^command: e\.g\. migrate/,
    usage: 'Usage: pypackage-tasks manage <command…> [options] [-- <options…>]',
  },
]
for (const c of errors) {
  ParseArgv(`${c.name} is a UserError`, () => {
    const e = userError(() => parseArgv(c.argv, find), c.name)
    assert.is(e.message, c.message, `the message should be "${c.message}"`)
    if (c.hint instanceof RegExp) assert.match(e.hint ?? '', c.hint, `the hint should match ${c.hint}`)
    else assert.is(e.hint, c.hint, `the hint should be ${JSON.stringify(c.hint)}`)
    assert.is(e.exitCode, 2, 'a mistake in the command line is a usage error: exit code 2')
    const usage = c.usage ?? synopsis(find(c.argv.find((w) => !w.startsWith('-')) ?? ''))
    assert.is(e.usage, usage, `the error should carry the synopsis "${usage}"`)
  })
}

ParseArgv.run()

// ---------------------------------------------------------------------------------------------
const TaskHelp = suite('taskHelp')

for (const t of tasks) {
  TaskHelp(`${t.name}: usage, description, every option`, () => {
    const help = taskHelp(t)
    assert.match(help, `Usage: pypackage-tasks ${t.name}`, `the usage line should start with the task name "${t.name}"`)
    assert.match(help, t.description, 'the help should show the task description')
    for (const a of t.args) assert.match(help, a.name, `the help should list the argument "${a.name}"`)
    for (const o of [...t.options, ...globalOptions]) {
      const shown = `--${o.name}${o.value ? ` ${o.value}` : ''}`
      assert.match(help, shown, `the help should list the option "${shown}"`)
      assert.match(help, o.description, `the help should describe --${o.name}`)
    }
    if (t.notes) assert.match(help, t.notes, 'the help should include the task notes')
  })
}

TaskHelp('a required variadic argument is shown as <name…>', () => {
  assert.match(taskHelp(findTask('image')!), 'Usage: pypackage-tasks image <folder…>', 'image should show its required folders')
})

TaskHelp('an optional variadic argument is shown as [name…] and options as [options]', () => {
  assert.match(taskHelp(fake), 'Usage: pypackage-tasks fake [thing…] [options]', 'fake should show an optional argument and [options]')
})

TaskHelp('run shows the -- command form', () => {
  assert.match(taskHelp(findTask('run')!), '[-- <command…>]', "run's usage should show what -- does")
  assert.not.match(taskHelp(findTask('release')!), '[-- <command…>]', "release's usage should not offer --")
})

TaskHelp('the tasks that take words after -- show what they are; others do not', () => {
  assert.match(taskHelp(findTask('test')!), 'Usage: pypackage-tasks test [options] [-- <test args…>]')
  assert.match(taskHelp(findTask('manage')!), 'Usage: pypackage-tasks manage <command…> [options] [-- <options…>]')
  assert.not.match(taskHelp(findTask('smoke')!), '[--', 'smoke takes nothing after --')
})

TaskHelp('short flags are shown beside their long names', () => {
  const help = taskHelp(findTask('list')!)
  assert.match(help, /^ {2}-h, --help +show help/m)
  assert.match(help, /^ {2}-v, --verbose +show error causes/m)
  assert.match(help, /^ {2}-V, --version +print the version/m)
})

TaskHelp.run()

// ---------------------------------------------------------------------------------------------
const Synopsis = suite('synopsis')

Synopsis("is the first line of a task's --help", () => {
  for (const t of tasks) assert.is(synopsis(t), taskHelp(t).split('\n')[0], `${t.name}'s synopsis should be the first line of its --help`)
})

Synopsis('without a task, the first line of the main --help', () => {
  assert.is(synopsis(undefined), mainHelp(tasks).split('\n')[0])
  assert.is(synopsis(undefined), 'Usage: pypackage-tasks <task> [arguments] [options]')
})

Synopsis.run()

// ---------------------------------------------------------------------------------------------
const MainHelp = suite('mainHelp')

MainHelp('lists every task of the registry with its description', () => {
  const help = mainHelp(tasks)
  assert.ok(tasks.length > 0, 'the registry should hold tasks')
  for (const t of tasks) {
    assert.match(help, new RegExp(`^  ${t.name} +${t.description.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`, 'm'), `the help should have a line for "${t.name}" with its description`)
  }
})

MainHelp('lists every global option', () => {
  const help = mainHelp(tasks)
  for (const o of globalOptions) {
    assert.match(help, `--${o.name}${o.value ? ` ${o.value}` : ''}`, `the help should list --${o.name}`)
    assert.match(help, o.description, `the help should describe --${o.name}`)
  }
})

MainHelp('lists exactly the tasks it is given', () => {
  const help = mainHelp([fake])
  assert.match(help, /^ {2}fake {2}a task for tests$/m, 'the given task should be listed')
  assert.not.match(help, /^ {2}release /m, 'a task not given should not be listed')
})

MainHelp.run()

const Json = suite('parseArgv --json')
Json('--json is a global flag, anywhere before --', () => {
  assert.is(parseArgv(['release', '--json'], find).json, true)
  assert.is(parseArgv(['--json', 'list'], find).json, true)
  assert.is(parseArgv(['run', '--', '--json'], find).json, false, 'after -- it belongs to the command')
})
Json.run()
