import path from 'node:path'
import { createContext, type Context } from '../../../lib/context.js'
import type { Event } from '../../../lib/events.js'
import type { Project } from '../../../lib/project.js'
import { detectShape, type Shape } from '../../../lib/shape/detect.js'
import { resolvePython, type PythonChoice } from '../../../lib/python.js'
import type { GitState } from '../../../lib/git.js'
import type { FakeEngine } from '../../helpers/fake-engine.js'
import { config } from './config.js'
import { execute } from '../../../lib/graph/execute.js'
import { exitCodeOf, quietIds, withoutQuiet } from '../../../lib/tasks/outcome.js'
import type { TaskArgs, TaskDef } from '../../../lib/tasks/types.js'

export const PREFIX = 'acme/app'

/**
 * A task's context as cli.ts makes one (createContext), over a fake engine: the project `acme/app`
 * at `root` with the default config (`config`: what its .pypackagerc.json would hold), and every
 * event the task emits collected. `shape: 'detect'`: the project's shape is found from the files at
 * `root`, as openProject does; without it, asking for the shape fails the test.
 */
export function taskContext(engine: FakeEngine, opts: { root: string; signal?: AbortSignal; git?: GitState; config?: Record<string, unknown>; shape?: 'detect' }): { ctx: Context; events: Event[] } {
  const events: Event[] = []
  const cfg = config(opts.config)
  let shape: Promise<Shape> | undefined
  let python: PythonChoice | undefined
  const project: Project = {
    config: cfg,
    root: opts.root,
    app: 'app',
    prefix: PREFIX,
    source: opts.root,
    localPackages: [],
    wheelhouse: path.join(opts.root, 'wheelhouse'),
    dockerDir: path.join(opts.root, 'docker'),
    git: opts.git,
    python: () => (python ??= resolvePython({ root: opts.root, source: opts.root, config: cfg })),
    shape: () => (opts.shape === 'detect' ? (shape ??= detectShape(opts.root, cfg)) : Promise.reject(new Error('the project shape is not part of this test'))),
  }
  const ctx = createContext({ project, emit: (e) => events.push(e), signal: opts.signal ?? new AbortController().signal, engine: async () => engine })
  return { ctx, events }
}

/** An AbortSignal already aborted, as after Ctrl-C. */
export function abortedSignal(): AbortSignal {
  const c = new AbortController()
  c.abort('SIGINT')
  return c.signal
}

/** A task's arguments: `positional` only. */
export const args = (...positional: string[]) => ({ positional, options: {}, rest: [] })

/**
 * Run a task as cli.ts does, without its lock and view: its nodes through the executor, a quiet
 * node's own rows left out; the exit code (a command's, else 0).
 */
export async function runTask(def: TaskDef, ctx: Context, taskArgs: TaskArgs, opts: { dryRun?: boolean } = {}): Promise<number> {
  ctx.dryRun = opts.dryRun === true
  const nodes = await def.nodes(ctx, taskArgs)
  const results = await execute(nodes, ctx, { emit: withoutQuiet(quietIds(nodes), ctx.emit), concurrency: 1, dryRun: opts.dryRun })
  return exitCodeOf(results)
}
