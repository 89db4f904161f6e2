import { UserError } from './errors.js'
import type { OptionDef, TaskArgs, TaskDef } from './tasks/types.js'

/** Options every task accepts. */
export const globalOptions: OptionDef[] = [
  { name: 'help', description: 'show help (for a task: its arguments and options)' },
  { name: 'verbose', description: 'show error causes and stacks' },
  { name: 'plain', description: 'plain line-by-line output even on a terminal (also when CI=true or not a TTY)' },
  { name: 'json', description: 'one JSON event per line on stdout (task start/end with duration, images, wheels, errors), for CI systems' },
  { name: 'config', value: 'FILE', description: 'use this config file instead of searching for .pypackagerc.json' },
]

export interface ParsedArgv {
  task?: string
  help: boolean
  verbose: boolean
  plain: boolean
  json: boolean
  config?: string
  args: TaskArgs
}

/**
 * argv → task name, global flags and the task's own arguments. Pure. Options are `--name value`,
 * `--name=value` or `--flag`; `-h` is `--help`; everything after `--` is passed through untouched.
 */
export function parseArgv(argv: string[], find: (name: string) => TaskDef | undefined): ParsedArgv {
  const out: ParsedArgv = { help: false, verbose: false, plain: false, json: false, args: { positional: [], options: {}, rest: [] } }
  const dash = argv.indexOf('--')
  const head = dash < 0 ? argv : argv.slice(0, dash)
  out.args.rest = dash < 0 ? [] : argv.slice(dash + 1)
  let task: TaskDef | undefined
  for (let i = 0; i < head.length; i++) {
    const tok = head[i]
    if (tok === '-h') {
      out.help = true
      continue
    }
    if (!tok.startsWith('--')) {
      if (out.task === undefined) {
        out.task = tok
        task = find(tok)
      } else {
        out.args.positional.push(tok)
      }
      continue
    }
    const eq = tok.indexOf('=')
    const name = tok.slice(2, eq < 0 ? undefined : eq)
    const def = globalOptions.find((o) => o.name === name) ?? task?.options.find((o) => o.name === name)
    if (!def) {
      const known = [...(task?.options ?? []), ...globalOptions].map((o) => `--${o.name}`).join(', ')
      throw new UserError(`unknown option --${name}${task ? ` for ${task.name}` : ''}`, { hint: `known options: ${known}` })
    }
    let value: string | boolean = true
    if (def.value) {
      if (eq >= 0) value = tok.slice(eq + 1)
      else if (i + 1 < head.length) value = head[++i]
      else throw new UserError(`--${name} needs a value (${def.value})`, { hint: `e.g. --${name} ${def.value}` })
    } else if (eq >= 0) {
      throw new UserError(`--${name} is a flag and takes no value`, { hint: `write --${name} alone` })
    }
    if (name === 'help') out.help = true
    else if (name === 'verbose') out.verbose = true
    else if (name === 'plain') out.plain = true
    else if (name === 'json') out.json = true
    else if (name === 'config') out.config = String(value)
    else out.args.options[name] = value
  }
  return out
}

/** `pypackage-tasks <task> --help`: arguments and options from the task's definition. */
export function taskHelp(t: TaskDef): string {
  const usage = [
    `pypackage-tasks ${t.name}`,
    ...t.args.map((a) => (a.required ? `<${a.name}${a.variadic ? '…' : ''}>` : `[${a.name}${a.variadic ? '…' : ''}]`)),
    ...(t.options.length ? ['[options]'] : []),
    ...(t.name === 'run' ? ['[-- <command…>]'] : t.name === 'test' ? ['[-- <test args…>]'] : []),
  ].join(' ')
  const lines = [`Usage: ${usage}`, '', t.description]
  if (t.args.length) lines.push('', 'Arguments:', ...t.args.map((a) => `  ${a.name.padEnd(18)} ${a.description}`))
  const opts = [...t.options, ...globalOptions]
  lines.push('', 'Options:', ...opts.map((o) => `  ${`--${o.name}${o.value ? ` ${o.value}` : ''}`.padEnd(18)} ${o.description}`))
  if (t.notes) lines.push('', t.notes)
  return lines.join('\n')
}

export function mainHelp(tasks: TaskDef[]): string {
  const width = Math.max(...tasks.map((t) => t.name.length))
  return [
    'Usage: pypackage-tasks <task> [arguments] [options]',
    '',
    'Package a Python/Django app into Docker images with wheels: base → builder → wheels → release.',
    '',
    'Tasks:',
    ...tasks.map((t) => `  ${t.name.padEnd(width)}  ${t.description}`),
    '',
    'Global options:',
    ...globalOptions.map((o) => `  ${`--${o.name}${o.value ? ` ${o.value}` : ''}`.padEnd(18)} ${o.description}`),
    '',
    'Run `pypackage-tasks <task> --help` for a task\'s arguments.',
  ].join('\n')
}

/** `--port N`: a port number, 0 for any free one; `fallback` when the option is absent. */
export function parsePort(value: string | boolean | undefined, fallback: number): number {
  if (value === undefined) return fallback
  const n = typeof value === 'string' ? Number(value) : NaN
  if (!Number.isInteger(n) || n < 0 || n > 65535) {
    throw new UserError(`--port must be a port number from 0 to 65535, got ${JSON.stringify(value)}`, { hint: '0 picks any free port' })
  }
  return n
}
