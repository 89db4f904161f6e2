import { shapeFacts } from '../shape/detect.js'
import { loadGraph } from '../pipeline/image-graph.js'
import { pipelineNodes } from '../nodes/pipeline.js'
import { appPython, graphWithRoles, imageNameFromArg } from '../pipeline/image-graph.js'
import type { TaskDef } from './types.js'

export const plan: TaskDef = {
  name: 'plan',
  description: 'Show what release (or image <folder…>) would build and why; builds nothing',
  args: [{ name: 'folder', description: 'image folders to plan instead of the whole release', variadic: true }],
  options: [],
  dryRun: true,
  async nodes(ctx, args) {
    if (args.positional.length === 0) {
      const shape = shapeFacts(await ctx.project.shape())
      // The graph first: whether its Dockerfiles take the Python's OS image decides what there is to say about the Python.
      const graph = await loadGraph(ctx)
      const python = appPython(ctx)
      ctx.emit({ type: 'shape', shape, ...(python ? { python } : {}) })
      return pipelineNodes(ctx, await graphWithRoles(ctx, graph), [ctx.project.config.images.release], { prewarm: true })
    }
    const names = args.positional.map((a) => imageNameFromArg(a, ctx.project.dockerDir, ctx.project.root, ctx.project.config.dockerDir))
    return pipelineNodes(ctx, await loadGraph(ctx), names)
  },
}
