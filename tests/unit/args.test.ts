import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { globalOptions, mainHelp, parseArgv, taskHelp, type ParsedArgv } from '../../lib/args.js'
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
}
const find = (name: string) => (name === 'fake' ? fake : findTask(name))

const parsed = (over: Omit<Partial<ParsedArgv>, 'args'> & { args?: Partial<ParsedArgv['args']> }): ParsedArgv => ({
  help: false,
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
    want: parsed({ task: 'image', verbose: true, plain: true, config: 'ci.json', args: { positional: ['docker/base'] } }),
  },
  { name: '--config=file before the task', argv: ['--config=ci/x.json', 'build'], want: parsed({ task: 'build', config: 'ci/x.json' }) },
  {
    name: 'everything after -- goes to rest untouched, even what looks like an option',
    argv: ['run', '--port', '0', '--', 'python', '-m', 'django', '--port', '--verbose', '-h', '--', '--config=x'],
    want: parsed({ task: 'run', args: { options: { port: '0' }, rest: ['python', '-m', 'django', '--port', '--verbose', '-h', '--', '--config=x'] } }),
  },
  { name: 'a trailing -- gives an empty rest', argv: ['run', '--'], want: parsed({ task: 'run' }) },
  { name: 'words after -- are not positionals', argv: ['run', '--', 'image'], want: parsed({ task: 'run', args: { rest: ['image'] } }) },
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

const errors: { name: string; argv: string[]; message: string; hint: RegExp | string }[] = [
  {
    name: 'an option of another task',
    argv: ['run', '--force'],
    message: 'unknown option --force for run',
    hint: `known options: ${known('run')}`,
  },
  { name: 'an option no task has', argv: ['plan', '--no-such-option'], message: 'unknown option --no-such-option for plan', hint: `known options: ${known('plan')}` },
  { name: 'a task option misspelt', argv: ['run', '--prot', '1'], message: 'unknown option --prot for run', hint: /known options: --port, --image, --help/ },
  { name: 'a task option before its task', argv: ['--port', '0', 'run'], message: 'unknown option --port', hint: /known options: --help, --verbose, --plain, --json, --config$/ },
  { name: 'a valued option at the end', argv: ['run', '--port'], message: '--port needs a value (N)', hint: /--port N/ },
  { name: 'a valued option right before --', argv: ['run', '--image', '--', 'sh'], message: '--image needs a value (REF)', hint: /--image REF/ },
  { name: '--config without a file', argv: ['build', '--config'], message: '--config needs a value (FILE)', hint: /--config FILE/ },
  { name: 'a value given to a global flag', argv: ['build', '--plain=yes'], message: '--plain is a flag and takes no value', hint: /--plain alone/ },
  { name: 'a value given to a task flag', argv: ['fake', '--force=1'], message: '--force is a flag and takes no value', hint: /--force alone/ },
]
for (const c of errors) {
  ParseArgv(`${c.name} is a UserError`, () => {
    const e = userError(() => parseArgv(c.argv, find), c.name)
    assert.is(e.message, c.message, `the message should be "${c.message}"`)
    if (typeof c.hint === 'string') assert.is(e.hint, c.hint, `the hint should be "${c.hint}"`)
    else assert.match(e.hint ?? '', c.hint, `the hint should match ${c.hint}`)
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
  assert.match(taskHelp(findTask('run')!), '[-- <command…>]', 'run\'s usage should show what -- does')
  assert.not.match(taskHelp(findTask('release')!), '[-- <command…>]', 'release\'s usage should not offer --')
})

TaskHelp.run()

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
  assert.match(help, /^  fake  a task for tests$/m, 'the given task should be listed')
  assert.not.match(help, /^  release /m, 'a task not given should not be listed')
})

MainHelp.run()

const Json = suite('parseArgv --json')
Json('--json is a global flag, anywhere before --', () => {
  assert.is(parseArgv(['release', '--json'], find).json, true)
  assert.is(parseArgv(['--json', 'list'], find).json, true)
  assert.is(parseArgv(['run', '--', '--json'], find).json, false, 'after -- it belongs to the command')
})
Json.run()
