import path from 'node:path'
import { createContext, type Context } from '../../../lib/context.js'
import type { Event } from '../../../lib/events.js'
import type { Project } from '../../../lib/project.js'
import type { GitState } from '../../../lib/version.js'
import type { FakeEngine } from '../../helpers/fake-engine.js'
import { config } from './config.js'

export const PREFIX = 'acme/app'

/**
 * A task's context as cli.ts makes one (createContext), over a fake engine: the project `acme/app`
 * at `root` with the default config, and every event the task emits collected.
 */
export function taskContext(engine: FakeEngine, opts: { root: string; signal?: AbortSignal; git?: GitState }): { ctx: Context; events: Event[] } {
  const events: Event[] = []
  const project: Project = {
    config: config(),
    root: opts.root,
    app: 'app',
    prefix: PREFIX,
    source: opts.root,
    localPackages: [],
    wheelhouse: path.join(opts.root, 'wheelhouse'),
    dockerDir: path.join(opts.root, 'docker'),
    git: opts.git,
    shape: () => Promise.reject(new Error('the project shape is not part of this test')),
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
