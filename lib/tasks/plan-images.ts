import path from 'node:path'
import type { Context } from '../context.js'
import { UserError } from '../errors.js'
import { buildOrder, type ImageGraph } from '../graph/resolve.js'
import { buildPlanned, checkExternal, imageLabel, loadGraph, planImage, type ImagePlan } from '../pipeline/images.js'
import { releaseBuildArgs, wheelEntries } from '../pipeline/release.js'
import type { Stage } from '../render/events.js'

/** Turn `docker/builder`, `docker/builder/`, `builder` into the image name "builder". */
export function imageNameFromArg(arg: string, dockerDir: string, root: string): string {
  const abs = path.resolve(root, arg)
  if (path.dirname(abs) === dockerDir) return path.basename(abs)
  if (!arg.includes('/')) return arg
  throw new UserError(`${arg} is not an image folder under ${path.relative(root, dockerDir) || '.'}`, {
    hint: `name a folder holding a Dockerfile, e.g. ${path.relative(root, path.join(dockerDir, 'base'))}`,
  })
}

/** Plan one image; the release image also gets the wheelhouse and the app's run settings. */
export async function planFor(ctx: Context, graph: ImageGraph, name: string, parents: ImagePlan[]): Promise<ImagePlan> {
  const node = graph.get(name)!
  if (name !== ctx.project.config.images.release) return planImage(ctx, node, { parents })
  return planImage(ctx, node, { entries: await wheelEntries(ctx), buildargs: await releaseBuildArgs(ctx), parents })
}

/**
 * Stages that make sure `targets` exist, parents first. Parents already on the engine at the
 * current version tag are skipped; `rebuild` names images built even when present.
 */
export async function imageStages(
  ctx: Context,
  graph: ImageGraph,
  targets: string[],
  opts: { rebuild: Set<string>; plans: Map<string, Promise<ImagePlan>> },
): Promise<Stage<Context>[]> {
  const order = buildOrder(graph, targets)
  await checkExternal(ctx, graph, order)
  // Plans are made when a stage runs (the release plan needs the wheels built just before it),
  // once each, parents first: a child's inputs include its parents'.
  const plan = (name: string): Promise<ImagePlan> => {
    if (!opts.plans.has(name)) {
      opts.plans.set(name, Promise.all(graph.get(name)!.parents.map(plan)).then((parents) => planFor(ctx, graph, name, parents)))
    }
    return opts.plans.get(name)!
  }
  return order.map((name) => {
    return {
      id: `image:${name}`,
      title: `Image ${imageLabel(ctx, graph.get(name)!)}`,
      skip: async () => {
        if (opts.rebuild.has(name)) return false
        const p = await plan(name)
        return p.upToDate ? `${p.ref} is up to date` : false
      },
      task: async (c, emit) => buildPlanned(c, await plan(name), emit),
    }
  })
}

export async function graphWithRoles(ctx: Context): Promise<ImageGraph> {
  const graph = await loadGraph(ctx)
  const { builder, release } = ctx.project.config.images
  for (const [role, name] of [['builder', builder], ['release', release]] as const) {
    if (!graph.has(name)) {
      const rel = path.relative(ctx.project.root, ctx.project.dockerDir) || '.'
      throw new UserError(`no ${role} image: ${rel}/${name}/Dockerfile does not exist`, {
        hint: `create it, or set "images.${role}" in .pypackagerc.json to one of: ${[...graph.keys()].join(', ')}`,
      })
    }
  }
  return graph
}
