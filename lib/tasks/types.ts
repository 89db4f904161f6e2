import type { Context } from '../context.js'
import type { Node } from '../graph/execute.js'
import type { NodeResult } from '../pipeline/image-graph.js'

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
 * Every task is one shape: it returns the nodes of its work (image and wheel builds, and action
 * nodes: tag, smoke, push, a container, clean). What it needs from the CLI is declared here, and
 * cli.ts alone acts on it — the project lock, the view (listr2 / plain / JSON), dry runs — so every
 * task gets the same.
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
  /** False for tasks that read no project config (list; init, which writes it). */
  needsProject?: boolean
  /** False for tasks that never talk to the engine (list, init): it is not dialled. */
  engine?: boolean
  /**
   * Hold the project lock while the nodes run (default): builds share the wheelhouse and tags,
   * and clean must not remove what a release is using. False for tasks that only read or serve.
   */
  lock?: boolean
  /** 'lines': the task prints a container's output as it comes, so never the listr2 view. */
  view?: 'lines'
  /** Always a dry run (the plan task). */
  dryRun?: boolean
  /**
   * A run that found everything up to date may be answered next time from what it read and said
   * (lib/replay/), when all of that is as it was: the release.
   */
  replay?: boolean
  nodes: (ctx: Context, args: TaskArgs) => Promise<Node<Context, NodeResult>[]>
}
