import os from 'node:os'
import path from 'node:path'
import type { Context } from '../context.js'
import { UserError } from '../errors.js'
import type { ImageGraph } from '../graph/resolve.js'
import { loadGraph } from '../pipeline/images.js'
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

/** Turn `docker/builder`, `docker/builder/`, `builder` into the image name "builder". */
export function imageNameFromArg(arg: string, dockerDir: string, root: string, configured = 'docker'): string {
  const abs = path.resolve(root, arg)
  if (path.dirname(abs) === dockerDir) return path.basename(abs)
  // `docker/base` still names the image when the Dockerfiles are the tool's built-in ones.
  if (path.dirname(path.normalize(arg).replace(/\/$/, '')) === path.normalize(configured)) return path.basename(path.normalize(arg))
  if (!arg.includes('/')) return arg
  throw new UserError(`${arg} is not an image folder under ${path.relative(root, dockerDir) || '.'}`, {
    hint: `name a folder holding a Dockerfile, e.g. ${path.relative(root, path.join(dockerDir, 'base'))}`,
  })
}

/** The image graph, checked to hold the builder and release images the pipeline needs. */
export async function graphWithRoles(ctx: Context): Promise<ImageGraph> {
  const graph = await loadGraph(ctx)
  const { builder, release } = ctx.project.config.images
  for (const [role, name] of [
    ['builder', builder],
    ['release', release],
  ] as const) {
    if (!graph.has(name)) {
      const rel = path.relative(ctx.project.root, ctx.project.dockerDir) || '.'
      throw new UserError(`no ${role} image: ${rel}/${name}/Dockerfile does not exist`, {
        hint: `create it, or set "images.${role}" in .pypackagerc.json to one of: ${[...graph.keys()].join(', ')}`,
      })
    }
  }
  return graph
}
