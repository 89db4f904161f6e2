/** What lib/ reports while it works. Renderers are formatters over these; nothing in lib/ prints. */
export type Event =
  | { type: 'task:start'; id: string; title: string; why?: string }
  /** A dry run's verdict for one node: what would happen and why. */
  | { type: 'plan'; id: string; title: string; action: 'run' | 'skip'; why: string }
  | { type: 'task:skip'; id: string; title: string; reason: string }
  | { type: 'task:done'; id: string; title: string; summary: string; ms: number; data?: Record<string, unknown> }
  | { type: 'task:fail'; id: string; title: string; message: string; ms: number }
  | { type: 'build:step'; id: string; step: string }
  | { type: 'build:output'; id: string; line: string }
  | { type: 'info'; message: string }
  /** An image reference pushed to a registry, with the digest the registry gave it. */
  | { type: 'pushed'; ref: string; digest?: string; ms: number }
  /** A container's own output (run task): printed as is, to the matching stream. */
  | { type: 'output'; stream: 'stdout' | 'stderr'; line: string }

export type Emit = (event: Event) => void

/** Events a graph node emits about itself; the executor adds the node id. */
export type StageEvent = { type: 'build:step'; step: string } | { type: 'build:output'; line: string }

export function formatMs(ms: number): string {
  return ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(1)} s`
}

export function formatBytes(n: number): string {
  return n >= 1e9 ? `${(n / 1e9).toFixed(2)} GB` : `${(n / 1e6).toFixed(0)} MB`
}
