import { resolveProgress } from './render/progress.js'
import { readFileSync } from 'node:fs'
import { mainHelp, parseArgv, synopsis, taskHelp, type ParsedArgv } from './args.js'
import { createContext } from './context.js'
import { exitCodes, formatError, isUsageError, isUserError, usageError } from './errors.js'
import { formatPlain, plainRenderer } from './render/plain.js'
import { tasks } from './tasks/registry.js'
import type { TaskDef } from './tasks/types.js'
import type { Project } from './project.js'
import type { Emit, Event } from './events.js'
import type { GitRead } from './git.js'
import type { Engine } from './docker/engine.js'

export type Write = (line: string, stream: 'stdout' | 'stderr') => void
const write: Write = (line, stream) => (stream === 'stderr' ? process.stderr : process.stdout).write(`${line}\n`)

/** What dispatch works with; main passes the real ones, tests pass stand-in tasks and capture the output. */
export interface CliDeps {
  tasks?: TaskDef[]
  write?: Write
  /** Where --color / --no-color are recorded (FORCE_COLOR / NO_COLOR) before a renderer loads. */
  env?: NodeJS.ProcessEnv
  signal?: AbortSignal
}

/** The interactive view only when --progress (or BUILDKIT_PROGRESS, or auto: a terminal outside CI, not TERM=dumb) says tty. */
export function useListr(p: ParsedArgv, env: NodeJS.ProcessEnv = process.env, isTTY = Boolean(process.stdout.isTTY)): boolean {
  return resolveProgress(p.progress ?? (p.json ? 'json' : p.plain ? 'plain' : undefined), env, isTTY) === 'tty'
}

/** --color / --no-color as the environment variables that colorette (listr2's colours) reads when it loads. */
export function applyColor(color: boolean | undefined, env: NodeJS.ProcessEnv): void {
  if (color === undefined) return
  delete env[color ? 'NO_COLOR' : 'FORCE_COLOR']
  env[color ? 'FORCE_COLOR' : 'NO_COLOR'] = '1'
}

/** This tool's version, from its package.json: read only for --version, so start-up stays lean. */
function toolVersion(): string {
  return JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')).version
}

/** The project at --config or found from here; git is asked while the config is read (readGit never rejects). */
async function loadProject(file: string | undefined): Promise<{ project: Project; git: { root: string; read: Promise<GitRead> } }> {
  const { loadConfig, projectRootOf } = await import('./config/load.js')
  const { openProject } = await import('./project.js')
  const where = { cwd: process.cwd(), file }
  const root = projectRootOf(where)
  const git = (await import('./git.js')).readGit(root)
  return { project: await openProject(await loadConfig(where), { root, git }), git: { root, read: git } }
}

/**
 * A task whose run may be answered next time from its record (lib/replay/; the bin asks first):
 * this run counted, so that it may record.
 */
async function recordingOf(def: TaskDef, p: ParsedArgv, argv: string[], dryRun: boolean) {
  if (!def.replay || dryRun || p.metadataFile) return undefined
  return (await import('./replay/track.js')).startRecording(argv, process.cwd())
}

async function execute(def: TaskDef, p: ParsedArgv, argv: string[], signal: AbortSignal, write: Write): Promise<number> {
  const { connect } = await import('./docker/client.js')
  // Plain lines, or with --json one JSON event per line: chosen once, here.
  const lines = p.json ? (await import('./render/json.js')).jsonRenderer((line) => write(line, 'stdout')) : plainRenderer(write, p.verbose)
  const dryRun = def.dryRun === true || p.args.options['dry-run'] === true
  const recording = await recordingOf(def, p, argv, dryRun)
  try {
    // --metadata-file: what the run built and pushed, collected from the same events.
    const metadata = p.metadataFile ? (await import('./render/metadata.js')).metadataCollector(lines) : undefined
    // What the run says, kept for its replay record when it is counted.
    const said = (emit: Emit): Emit => recording?.said(emit) ?? emit
    const plain = said(metadata?.emit ?? lines)
    const opening = def.needsProject !== false ? loadProject(p.config) : undefined
    // Dial the engine while the config and git are read. Its failure waits (handled) until first
    // use, so a config error is still the one reported first.
    // Whether host folders are bind-mounted or copied is the config's word when it has one: asked as containers are made, after the config is read.
    const sharedDisk = () => project?.config.engine.sharedDisk
    const dial = () => connect({ signal, context: p.context, sharedDisk }).then((e) => recording?.engine(e) ?? e)
    const engine = def.engine !== false ? dial() : undefined
    engine?.catch(() => undefined)
    const opened = opening ? await opening : undefined
    const project = opened?.project as Project
    const code = await runNodes(def, p, { project, plain, said, signal, dryRun, metadata, engine: () => engine ?? dial() })
    if (recording) {
      const git = opened && { root: opened.git.root, read: await opened.git.read }
      await recording.finish(code, { git, context: p.context, format: (e) => formatPlain(e, p.verbose) })
    }
    return code
  } finally {
    recording?.stop()
  }
}

interface RunDeps {
  project: Project
  plain: Emit
  said: (emit: Emit) => Emit
  signal: AbortSignal
  dryRun: boolean
  metadata?: ReturnType<typeof import('./render/metadata.js').metadataCollector>
  engine: () => Promise<Engine>
}

/** The task's nodes, run under the listr2 view or as lines, under the project lock: the exit code. */
async function runNodes(def: TaskDef, p: ParsedArgv, { project, plain, said, signal, dryRun, metadata, engine }: RunDeps): Promise<number> {
  // Events that are not a node's own wait while the listr2 view draws, then print below it.
  let sink: Emit = plain
  const ctx = createContext({ project, emit: (e) => sink(e), signal, verbose: p.verbose, dryRun, engine })
  // What runs the nodes loads while they are made (their engine and file waits).
  const loading = Promise.all([import('./graph/execute.js'), import('./tasks/options.js'), import('./tasks/outcome.js'), import('./lock.js')])
  loading.catch(() => undefined) // a failure is the await's below
  const nodes = await def.nodes(ctx, p.args)
  const [{ execute }, { parseConcurrency }, { exitCodeOf, quietIds, withoutQuiet }] = await loading
  const opts = { concurrency: parseConcurrency(p.args.options.concurrency), force: p.args.options.force === true, dryRun }
  // A quiet node speaks through its own events: no row, no start/done lines (its dry-run verdict stays).
  const quiet = quietIds(nodes)
  const shown = (emit: Emit) => withoutQuiet(quiet, emit)
  if (opts.dryRun) {
    await execute(nodes, ctx, { ...opts, emit: shown(plain) })
    return 0
  }
  const rows = nodes.filter((n) => !quiet.has(n.id))
  const work = async () => {
    let results
    if (def.view !== 'lines' && rows.length && useListr(p)) {
      const { showWithListr } = await import('./render/listr.js')
      const held: Event[] = []
      sink = (e) => void held.push(e)
      try {
        results = await showWithListr(rows, (emit) => execute(nodes, ctx, { ...opts, emit: shown(said(emit)) }), metadata?.collect)
      } finally {
        sink = plain
        for (const e of held) plain(e)
      }
    } else {
      results = await execute(nodes, ctx, { ...opts, emit: shown(plain) })
    }
    const code = exitCodeOf(results)
    if (metadata && code === 0) {
      metadata.addResults(results)
      await metadata.write(p.metadataFile!)
    }
    return code
  }
  if (def.lock === false || !project) return work()
  // Builds share the wheelhouse and the tags, and clean must not pull them from under a release: one run per project at a time.
  const { withProjectLock } = (await loading)[3]
  return withProjectLock(project.root, def.name, { signal, onWait: (wait) => plain({ type: 'lock:wait', ...wait }) }, work)
}

/**
 * argv → task → run → render → exit code, without touching the process: what main runs. Exit
 * codes: 0, 1 for a failure, 2 for a usage error (shown with the synopsis), 70 for a bug, 130/143
 * after Ctrl-C/SIGTERM, or the code of the command a task ran (run --, test, manage).
 */
export async function dispatch(argv: string[], deps: CliDeps = {}): Promise<number> {
  const all = deps.tasks ?? tasks
  const out = deps.write ?? write
  const find = (name: string) => all.find((t) => t.name === name)
  // Until argv parses, a guess from the words before `--` decides how a parse error is shown.
  const head = argv.includes('--') ? argv.slice(0, argv.indexOf('--')) : argv
  let verbose = head.includes('--verbose') || head.includes('-v')
  let json = head.includes('--json')
  let def: TaskDef | undefined
  try {
    const p = parseArgv(argv, find)
    ;({ verbose, json } = p)
    applyColor(p.color, deps.env ?? process.env)
    // BUILDKIT_PROGRESS=rawjson/json without a flag: JSON lines, errors included.
    if (!p.progress && resolveProgress(undefined, deps.env ?? process.env, false) === 'json') Object.assign(p, { json: true, progress: 'json' })
    if (p.version) {
      out(toolVersion(), 'stdout')
      return 0
    }
    if (!p.task) {
      // No task: the help is the answer to --help, and otherwise a usage error.
      out(mainHelp(all), p.help ? 'stdout' : 'stderr')
      return p.help ? 0 : exitCodes.usage
    }
    def = find(p.task)
    if (!def) {
      throw usageError(`unknown task "${p.task}"`, { hint: `run \`pypackage-tasks list\` to see the tasks (${all.map((t) => t.name).join(', ')})` })
    }
    if (p.help) {
      out(taskHelp(def), 'stdout')
      return 0
    }
    return await execute(def, p, argv, deps.signal ?? new AbortController().signal, out)
  } catch (e) {
    const u = isUserError(e) ? e : undefined
    const exitCode = u?.exitCode ?? exitCodes.bug
    if (json) {
      const usage = isUsageError(e) ? (e.usage ?? synopsis(def)) : undefined
      const { jsonLine } = await import('./render/json.js')
      out(jsonLine({ type: 'error', message: (e as Error).message, hint: u?.hint, details: u?.details, usage, exitCode }), 'stdout')
    }
    for (const line of formatError(e, verbose, synopsis(def))) out(line, 'stderr')
    return exitCode
  }
}

/**
 * Exit with `code` once stdout and stderr have taken what was written (a pipe is asynchronous on
 * macOS). Explicitly, not by letting the event loop end: Node's teardown then closes the signal
 * handles before the process is gone, and a Ctrl-C in those last milliseconds (pressed again after
 * the cleanup) kills it — the shell sees a death by SIGINT instead of 130. process.exit keeps them.
 */
async function exitWith(code: number): Promise<never> {
  await Promise.all([process.stdout, process.stderr].map((s) => new Promise((resolve) => s.write('', resolve))))
  process.exit(code)
}

/**
 * The bin's entry: dispatch with the real tasks, then exit with its code. The only place that sets
 * the exit code; Ctrl-C and SIGTERM abort one signal that every engine call listens to.
 */
export async function main(argv: string[]): Promise<number> {
  const controller = new AbortController()
  // Set once dispatch has returned: its exit code is the answer (130/143 when a signal stopped the
  // run), and a signal in the moments before the process exits has nothing left to stop.
  let settled = false
  let signals = 0
  const onSignal = (sig: NodeJS.Signals) => {
    if (settled) return
    // Said on the first signal and the second; more (a key held down) add nothing to read.
    signals++
    if (signals === 1) write(`${sig}: stopping, removing what this run created…`, 'stderr')
    else if (signals === 2) write(`${sig} again: still removing what this run created…`, 'stderr')
    controller.abort(sig)
  }
  // The reader went away (`list | head -3`, `logs --follow | grep -m1`): stop as a Unix tool does on
  // SIGPIPE — quietly, still removing what the run created, with nothing more written.
  let pipeClosed = false
  const onPipeError = (e: NodeJS.ErrnoException) => {
    if (e.code !== 'EPIPE') throw e
    pipeClosed = true
    controller.abort('EPIPE')
  }
  process.on('SIGINT', onSignal)
  process.on('SIGTERM', onSignal)
  process.stdout.on('error', onPipeError)
  // The handlers are never removed: without a listener Node restores the default action, and a
  // Ctrl-C pressed again after the cleanup, before the process is gone, would kill it.
  let code: number
  try {
    code = await dispatch(argv, { signal: controller.signal, write: (line, stream) => pipeClosed || write(line, stream) })
  } finally {
    settled = true
  }
  return exitWith(pipeClosed ? 0 : code)
}
