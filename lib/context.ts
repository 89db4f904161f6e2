import { randomBytes } from 'node:crypto'
import type { Docker } from './docker/client.js'
import type { Project } from './project.js'
import type { Emit } from './render/events.js'

/** The services every task receives (release-it style), so tests can pass fakes. */
export interface Context {
  project: Project
  /** Connects on first use and reuses the connection: tasks that need no engine never dial it. */
  docker(): Promise<Docker>
  emit: Emit
  signal: AbortSignal
  /** Short id labelled on everything this run creates. */
  runId: string
  verbose: boolean
}

export function createContext(opts: {
  project: Project
  docker: () => Promise<Docker>
  emit: Emit
  signal: AbortSignal
  verbose?: boolean
}): Context {
  let conn: Promise<Docker> | undefined
  return {
    project: opts.project,
    docker: () => (conn ??= opts.docker()),
    emit: opts.emit,
    signal: opts.signal,
    runId: randomBytes(4).toString('hex'),
    verbose: opts.verbose ?? false,
  }
}
