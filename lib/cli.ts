import { mainHelp, parseArgv, taskHelp, type ParsedArgv } from './args.js'
import { createContext } from './context.js'
import { formatError, UserError } from './errors.js'
import { plainRenderer } from './render/plain.js'
import { findTask, tasks } from './tasks/registry.js'
import type { TaskDef } from './tasks/types.js'

type Write = (line: string, stream: 'stdout' | 'stderr') => void
const write: Write = (line, stream) => (stream === 'stderr' ? process.stderr : process.stdout).write(`${line}\n`)

/** The interactive view only on a terminal, outside CI, unless --plain. Picked once, here. */
export function useListr(p: ParsedArgv, env: NodeJS.ProcessEnv = process.env, isTTY = Boolean(process.stdout.isTTY)): boolean {
  const ci = Boolean(env.CI) && env.CI!.toLowerCase() !== 'false'
  return isTTY && !p.plain && !p.json && !ci
}

async function execute(def: TaskDef, p: ParsedArgv, signal: AbortSignal): Promise<number> {
  const { loadConfig } = await import('./config/load.js')
  const { openProject } = await import('./project.js')
  const { connect } = await import('./docker/client.js')
  // Plain lines, or with --json one JSON event per line: chosen once, here.
  const plain = p.json ? (await import('./render/json.js')).jsonRenderer((line) => write(line, 'stdout')) : plainRenderer(write, p.verbose)
  const needsProject = def.needsProject !== false
  // A graph task always asks the engine: dial it while the config and git are read. Its failure
  // waits (handled) until first use, so a config error is still the one reported first.
  const engine = def.graph ? connect({ signal }) : undefined
  engine?.catch(() => undefined)
  const project = needsProject
    ? await openProject(await loadConfig({ cwd: process.cwd(), file: p.config }))
    : (undefined as never)
  const ctx = createContext({ project, emit: plain, signal, verbose: p.verbose, docker: () => engine ?? connect({ signal }) })
  if (def.run) return def.run(ctx, p.args)
  const nodes = await def.graph!(ctx, p.args)
  const { execute } = await import('./graph/execute.js')
  const { parseConcurrency } = await import('./tasks/plan-images.js')
  const dryRun = def.dryRun || p.args.options['dry-run'] === true
  const opts = { concurrency: parseConcurrency(p.args.options.concurrency), force: p.args.options.force === true, dryRun }
  // The interactive view only for real work on a terminal; a plan is a few plain lines.
  if (dryRun) {
    await execute(nodes, ctx, { ...opts, emit: plain })
    return 0
  }
  // Builds share the wheelhouse and the tags: one run per project at a time.
  const { withProjectLock } = await import('./lock.js')
  await withProjectLock(project.root, def.name, { signal, onWait: (message) => plain({ type: 'info', message }) }, async () => {
    if (useListr(p)) {
      const { showWithListr } = await import('./render/listr.js')
      await showWithListr(nodes, (emit) => execute(nodes, ctx, { ...opts, emit }))
    } else {
      await execute(nodes, ctx, { ...opts, emit: plain })
    }
    await def.after?.(ctx, p.args)
  })
  return 0
}

/**
 * argv → task → run → render → exit code. The only place that prints errors and sets
 * process.exitCode; Ctrl-C and SIGTERM abort one signal that every engine call listens to.
 */
export async function main(argv: string[]): Promise<number> {
  const controller = new AbortController()
  let verbose = argv.includes('--verbose')
  const onSignal = (sig: NodeJS.Signals) => {
    if (controller.signal.aborted) write(`${sig} again: still removing what this run created…`, 'stderr')
    else write(`${sig}: stopping, removing what this run created…`, 'stderr')
    controller.abort(sig)
  }
  process.on('SIGINT', onSignal)
  process.on('SIGTERM', onSignal)
  let code = 0
  try {
    const p = parseArgv(argv, findTask)
    verbose = p.verbose
    if (!p.task) {
      write(mainHelp(tasks), 'stdout')
      code = p.help ? 0 : 1
    } else {
      const def = findTask(p.task)
      if (!def) {
        throw new UserError(`unknown task "${p.task}"`, { hint: `run \`pypackage-tasks list\` to see the tasks (${tasks.map((t) => t.name).join(', ')})` })
      }
      if (p.help) write(taskHelp(def), 'stdout')
      else code = await execute(def, p, controller.signal)
    }
  } catch (e) {
    if (argv.includes('--json')) {
      const u = e instanceof UserError ? e : undefined
      write(JSON.stringify({ time: new Date().toISOString(), type: 'error', message: (e as Error).message, hint: u?.hint, details: u?.details, exitCode: u?.exitCode ?? 70 }), 'stdout')
    }
    for (const line of formatError(e, verbose)) write(line, 'stderr')
    code = e instanceof UserError ? e.exitCode : 70
  } finally {
    process.off('SIGINT', onSignal)
    process.off('SIGTERM', onSignal)
  }
  process.exitCode = code
  return code
}
