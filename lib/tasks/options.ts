import os from 'node:os'
import { UserError } from '../errors.js'
import type { OptionDef } from './types.js'

/** Every task that changes something takes it: cli.ts checks the nodes and runs none. */
export const dryRunOption: OptionDef = { name: 'dry-run', description: 'say what would run and why; change nothing' }

/** Options of every task that runs the build graph. */
export const graphOptions: OptionDef[] = [
  { name: 'force', description: 'build every stage even when its inputs are unchanged' },
  { name: 'dry-run', description: 'say what would run and why; build nothing (same as the plan task)' },
  { name: 'concurrency', value: 'N', description: `images built at once (default: ${defaultConcurrency()}, from the CPU count)` },
]

/** Independent images build side by side; more than a few at once only fights over disk and CPU. */
export function defaultConcurrency(cpus = os.availableParallelism?.() ?? os.cpus().length): number {
  return Math.min(4, Math.max(2, cpus))
}

export function parseConcurrency(value: string | boolean | undefined): number {
  if (value === undefined) return defaultConcurrency()
  const n = typeof value === 'string' ? Number(value) : NaN
  if (!Number.isInteger(n) || n < 1) {
    throw new UserError(`--concurrency must be a whole number of at least 1, got ${JSON.stringify(value)}`, { hint: 'e.g. --concurrency 2' })
  }
  return n
}
