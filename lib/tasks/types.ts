import type { Context } from '../context.js'
import type { Node } from '../graph/execute.js'
import type { NodeResult } from '../pipeline/images.js'

export interface OptionDef {
  /** Long name without dashes: "port". */
  name: string
  /** Placeholder for options that take a value ("N"); absent for boolean flags. */
  value?: string
  description: string
}

interface ArgDef {
  name: string
  description: string
  variadic?: boolean
  required?: boolean
}

export interface TaskArgs {
  positional: string[]
  options: Record<string, string | boolean>
  /** Everything after `--`. */
  rest: string[]
}

/**
 * A task is data: name, description and arguments feed `list`, `<task> --help` and the README.
 * Either `graph` (nodes the executor runs and the renderer shows) or `run` (tasks that own the
 * terminal, like run).
 */
export interface TaskDef {
  name: string
  description: string
  args: ArgDef[]
  options: OptionDef[]
  /** Free text for --help, e.g. what `--` does. */
  notes?: string
  /**
   * The task runs a command with the words after `--`: what --help calls them, and whether they
   * may start with an option (then an unknown option before `--` was probably meant for them).
   * Every other task refuses words after `--`.
   */
  rest?: { shown: string; options: boolean }
  /** False for tasks that need neither a project nor an engine (list). */
  needsProject?: boolean
  graph?: (ctx: Context, args: TaskArgs) => Promise<Node<Context, NodeResult>[]>
  /** Always a dry run (the plan task). */
  dryRun?: boolean
  /** After a successful graph run (still holding the project lock): e.g. release's extra tags. */
  after?: (ctx: Context, args: TaskArgs) => Promise<void>
  run?: (ctx: Context, args: TaskArgs) => Promise<number>
}
