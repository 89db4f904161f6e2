/** What lib/ reports while it works. Renderers are formatters over these; nothing in lib/ prints. */
export type Event =
  | { type: 'task:start'; id: string; title: string }
  | { type: 'task:skip'; id: string; title: string; reason: string }
  | { type: 'task:done'; id: string; title: string; summary: string; ms: number }
  | { type: 'task:fail'; id: string; title: string; message: string; ms: number }
  | { type: 'build:step'; id: string; step: string }
  | { type: 'build:output'; id: string; line: string }
  | { type: 'info'; message: string }
  /** A container's own output (run task): printed as is, to the matching stream. */
  | { type: 'output'; stream: 'stdout' | 'stderr'; line: string }

export type Emit = (event: Event) => void

/** One stage of a task list (np style): data, so list/--help/dry-run read the same thing. */
export interface Stage<C> {
  id: string
  title: string
  /** A reason string skips the stage and says why (e.g. what it would have run). */
  skip?: (ctx: C) => string | false | Promise<string | false>
  /** Does the work; returns the one-line summary shown when the list collapses. */
  task: (ctx: C, emit: (e: StageEvent) => void) => Promise<string | void>
}

/** Events a stage emits about itself; the runner adds the stage id. */
export type StageEvent = { type: 'build:step'; step: string } | { type: 'build:output'; line: string }

export function formatMs(ms: number): string {
  return ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(1)} s`
}

export function formatBytes(n: number): string {
  return n >= 1e9 ? `${(n / 1e9).toFixed(2)} GB` : `${(n / 1e6).toFixed(0)} MB`
}
