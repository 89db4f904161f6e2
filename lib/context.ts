import { randomBytes } from 'node:crypto'
import type { Engine } from './docker/engine.js'
import { interrupted } from './errors.js'
import type { Project } from './project.js'
import type { Emit } from './events.js'

/** The services every task receives (release-it style), so tests can pass fakes. */
export interface Context {
  project: Project
  /**
   * The Docker engine. Connects on first use and reuses the connection: tasks that need no engine
   * never dial it. After an abort it answers `interrupted`, so nothing new starts on the engine.
   */
  engine(): Promise<Engine>
  emit: Emit
  signal: AbortSignal
  /** Short id labelled on everything this run creates. */
  runId: string
  verbose: boolean
  /** A dry run: nodes are checked and say what they would do; none runs. */
  dryRun: boolean
}

export function createContext(opts: {
  project: Project
  /** How to reach the engine: cli.ts connects (docker/client.ts), tests pass a fake. */
  engine: () => Promise<Engine>
  emit: Emit
  signal: AbortSignal
  verbose?: boolean
  dryRun?: boolean
}): Context {
  let conn: Promise<Engine> | undefined
  return {
    project: opts.project,
    engine: () => (opts.signal.aborted ? Promise.reject(interrupted(opts.signal)) : (conn ??= opts.engine())),
    emit: opts.emit,
    signal: opts.signal,
    runId: randomBytes(4).toString('hex'),
    verbose: opts.verbose ?? false,
    dryRun: opts.dryRun ?? false,
  }
}
