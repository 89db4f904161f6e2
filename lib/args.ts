import { PROGRESS_MODES } from './render/progress.js'
import { usageError } from './errors.js'
import type { OptionDef, TaskArgs, TaskDef } from './tasks/types.js'

/** A global option, with its one-letter form if it has one (`-h`). */
export interface GlobalOptionDef extends OptionDef {
  short?: string
}

/** Options every task accepts. */
export const globalOptions: GlobalOptionDef[] = [
  { name: 'help', short: 'h', description: 'show help (for a task: its arguments and options)' },
  { name: 'version', short: 'V', description: 'print the version of pypackage-tasks' },
  { name: 'verbose', short: 'v', description: 'show error causes and stacks' },
  { name: 'progress', value: 'MODE', description: 'auto (the task view on a terminal, plain lines elsewhere), tty, plain, or json; default BUILDKIT_PROGRESS, else auto' },
  { name: 'plain', description: 'the same as --progress plain: line-by-line output even on a terminal (also when CI=true, TERM=dumb or not a TTY)' },
  { name: 'json', description: 'the same as --progress json: one JSON event per line on stdout (task start/end with duration, images, wheels, pushes, errors), for CI systems' },
  { name: 'metadata-file', value: 'FILE', description: 'write what the run built and pushed (images: id, tags, size; wheels; pushed digests) to FILE as JSON' },
  { name: 'no-color', description: 'no colours in the output (as NO_COLOR=1)' },
  { name: 'color', description: 'colours even where they would be off (as FORCE_COLOR=1)' },
  { name: 'config', value: 'FILE', description: 'use this config file instead of searching for .pypackagerc.json' },
  { name: 'context', value: 'NAME', description: 'the Docker context whose engine to use (docker context ls); wins over DOCKER_HOST, DOCKER_CONTEXT and the current context' },
]

export interface ParsedArgv {
  task?: string
  help: boolean
  version: boolean
  verbose: boolean
  plain: boolean
  json: boolean
  /** --progress as given (validated); --plain and --json set it too. */
  progress?: 'auto' | 'tty' | 'plain' | 'json'
  metadataFile?: string
  /** --color (true) or --no-color (false), the last one given; absent: the environment decides. */
  color?: boolean
  config?: string
  /** --context: the Docker context to use, over DOCKER_HOST, DOCKER_CONTEXT and currentContext. */
  context?: string
  args: TaskArgs
}

/**
 * argv → task name, global flags and the task's own arguments. Pure. Options are `--name value`,
 * `--name=value` or `--flag`; `-h`, `-v` and `-V` are `--help`, `--verbose` and `--version`;
 * everything after `--` is passed through untouched. A mistake is a usage error (exit code 2)
 * that carries the synopsis of the task named so far: a value that looks like an option
 * (`--config --json`; `--config=--json` if that is meant), an unknown option, long or short, and,
 * unless --help or --version is given, a word or `--` the task does not take or a required
 * argument missing.
 */
export function parseArgv(argv: string[], find: (name: string) => TaskDef | undefined): ParsedArgv {
  const out: ParsedArgv = { help: false, version: false, verbose: false, plain: false, json: false, args: { positional: [], options: {}, rest: [] } }
  const dash = argv.indexOf('--')
  const head = dash < 0 ? argv : argv.slice(0, dash)
  out.args.rest = dash < 0 ? [] : argv.slice(dash + 1)
  let task: TaskDef | undefined
  const fail = (message: string, hint?: string) => usageError(message, { hint, usage: synopsis(task) })
  for (let i = 0; i < head.length; i++) {
    const tok = head[i]
    if (!isOptionLike(tok)) {
      if (out.task === undefined) {
        out.task = tok
        task = find(tok)
      } else {
        out.args.positional.push(tok)
      }
      continue
    }
    const long = tok.startsWith('--')
    const eq = long ? tok.indexOf('=') : -1
    const name = long ? tok.slice(2, eq < 0 ? undefined : eq) : tok.slice(1)
    const def = long ? (globalOptions.find((o) => o.name === name) ?? task?.options.find((o) => o.name === name)) : globalOptions.find((o) => o.short === name)
    if (!def) throw fail(`unknown option ${tok.slice(0, eq < 0 ? undefined : eq)}${task ? ` for ${task.name}` : ''}`, unknownOptionHint(task, long, [...out.args.positional, '--', ...head.slice(i)]))
    let value: string | boolean = true
    if (def.value) {
      if (eq >= 0) value = tok.slice(eq + 1)
      else if (i + 1 >= head.length) throw fail(`--${name} needs a value (${def.value})`, `e.g. --${name} ${def.value}`)
      else if (isOptionLike(head[i + 1]))
        throw fail(`--${name} needs ${article(def.value)} ${def.value}, got ${head[i + 1]}`, `write --${name}=${head[i + 1]} if ${head[i + 1]} is meant as the ${def.value}`)
      else value = head[++i]
    } else if (eq >= 0) {
      throw fail(`--${name} is a flag and takes no value`, `write --${name} alone`)
    }
    setOption(out, def.name, value)
  }
  if (task && !out.help && !out.version) checkArguments(task, out.args, fail)
  return out
}

/** "a FILE", "an N": placeholders are read as words or as letters. */
function article(placeholder: string): string {
  return /^([AEIOU]|[FHLMNRSX]\b)/.test(placeholder) ? 'an' : 'a'
}

/** `-x` and `--x` are options; a lone `-` is a word (and so is anything after `--`). */
function isOptionLike(tok: string): boolean {
  return tok.length > 1 && tok.startsWith('-')
}

function setOption(out: ParsedArgv, name: string, value: string | boolean): void {
  if (name === 'help') out.help = true
  else if (name === 'version') out.version = true
  else if (name === 'verbose') out.verbose = true
  else if (name === 'plain') Object.assign(out, { plain: true, json: false, progress: 'plain' })
  else if (name === 'json') Object.assign(out, { json: true, plain: false, progress: 'json' })
  else if (name === 'progress') {
    if (!(PROGRESS_MODES as readonly string[]).includes(String(value))) {
      throw usageError(`--progress must be one of ${PROGRESS_MODES.join(', ')}, got ${JSON.stringify(value)}`, { hint: 'e.g. --progress plain' })
    }
    Object.assign(out, { progress: value, plain: value === 'plain', json: value === 'json' })
  } else if (name === 'metadata-file') out.metadataFile = String(value)
  else if (name === 'color' || name === 'no-color') out.color = name === 'color'
  else if (name === 'config') out.config = String(value)
  else if (name === 'context') out.context = String(value)
  else out.args.options[name] = value
}

/** The known options; for a task whose command takes options, the command line that passes them on. */
function unknownOptionHint(task: TaskDef | undefined, long: boolean, words: string[]): string {
  const known = long
    ? `known options: ${[...(task?.options ?? []), ...globalOptions].map((o) => `--${o.name}`).join(', ')}`
    : `short options: ${globalOptions.flatMap((o) => (o.short ? [`-${o.short} (--${o.name})`] : [])).join(', ')}`
  return task && task.rest?.options ? `words for the ${task.name} command go after --: pypackage-tasks ${task.name} ${words.join(' ')}; ${known}` : known
}

/** Words the task does not take are refused, never dropped; a required argument must be there. */
function checkArguments(task: TaskDef, args: TaskArgs, fail: (message: string, hint?: string) => Error): void {
  const takesRest = Boolean(task.rest)
  const quoted = (words: string[]) => words.map((w) => JSON.stringify(w)).join(', ')
  const max = task.args.some((a) => a.variadic) ? Infinity : task.args.length
  const extra = args.positional.slice(max)
  if (extra.length) {
    const takes = max === 0 ? 'takes no arguments' : `takes at most ${max} (${task.args.map((a) => `[${a.name}]`).join(' ')})`
    throw fail(
      `unexpected argument${extra.length > 1 ? 's' : ''} ${quoted(extra)}: ${task.name} ${takes}`,
      takesRest ? `words for the ${task.name} command go after --: pypackage-tasks ${task.name} -- ${extra.join(' ')}` : undefined,
    )
  }
  if (args.rest.length && !takesRest) {
    throw fail(`${task.name} takes nothing after --, got ${quoted(args.rest)}`, `${task.name} runs no command of yours: words after -- are for tasks that do (their --help shows [-- …])`)
  }
  const missing = task.args.find((a, i) => a.required && args.positional.length <= i && !(takesRest && args.rest.length))
  if (missing) throw fail(`${task.name} needs <${missing.name}${missing.variadic ? '…' : ''}>`, `${missing.name}: ${missing.description}`)
}

/** The first line of `--help`: the task's, or without a task the tool's. What a usage error shows. */
export function synopsis(t: TaskDef | undefined): string {
  if (!t) return 'Usage: pypackage-tasks <task> [arguments] [options]'
  return [
    `Usage: pypackage-tasks ${t.name}`,
    ...t.args.map((a) => (a.required ? `<${a.name}${a.variadic ? '…' : ''}>` : `[${a.name}${a.variadic ? '…' : ''}]`)),
    ...(t.options.length ? ['[options]'] : []),
    ...(t.rest ? [`[-- ${t.rest.shown}]`] : []),
  ].join(' ')
}

/** One row of an options table: `-h, --help` or `--config FILE`, then the description. */
function optionRow(o: GlobalOptionDef): string {
  return `  ${`${o.short ? `-${o.short}, ` : ''}--${o.name}${o.value ? ` ${o.value}` : ''}`.padEnd(18)} ${o.description}`
}

/** `pypackage-tasks <task> --help`: arguments and options from the task's definition. */
export function taskHelp(t: TaskDef): string {
  const lines = [synopsis(t), '', t.description]
  if (t.args.length) lines.push('', 'Arguments:', ...t.args.map((a) => `  ${a.name.padEnd(18)} ${a.description}`))
  lines.push('', 'Options:', ...[...t.options, ...globalOptions].map(optionRow))
  if (t.notes) lines.push('', t.notes)
  return lines.join('\n')
}

export function mainHelp(tasks: TaskDef[]): string {
  const width = Math.max(...tasks.map((t) => t.name.length))
  return [
    synopsis(undefined),
    '',
    'Package a Python/Django app into Docker images with wheels: base → builder → wheels → release.',
    '',
    'Tasks:',
    ...tasks.map((t) => `  ${t.name.padEnd(width)}  ${t.description}`),
    '',
    'Global options:',
    ...globalOptions.map(optionRow),
    '',
    "Run `pypackage-tasks <task> --help` for a task's arguments.",
  ].join('\n')
}

/** `--port N`: a port number, 0 for any free one; `fallback` when the option is absent. */
export function parsePort(value: string | boolean | undefined, fallback: number): number {
  if (value === undefined) return fallback
  const n = typeof value === 'string' ? Number(value) : NaN
  if (!Number.isInteger(n) || n < 0 || n > 65535) {
    throw usageError(`--port must be a port number from 0 to 65535, got ${JSON.stringify(value)}`, { hint: '0 picks any free port' })
  }
  return n
}
