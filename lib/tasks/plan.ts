import { shapeFacts } from '../shape/detect.js'
import { loadGraph } from '../pipeline/images.js'
import { pipelineNodes } from '../nodes/pipeline.js'
import { graphWithRoles, imageNameFromArg } from '../pipeline/images.js'
import type { TaskDef } from './types.js'

export const plan: TaskDef = {
  name: 'plan',
  description: 'Show what release (or image <folder…>) would build and why; builds nothing',
  args: [{ name: 'folder', description: 'image folders to plan instead of the whole release', variadic: true }],
  options: [],
  dryRun: true,
  async nodes(ctx, args) {
    if (args.positional.length === 0) {
      ctx.emit({ type: 'shape', shape: shapeFacts(await ctx.project.shape()) })
      return pipelineNodes(ctx, await graphWithRoles(ctx), [ctx.project.config.images.release], { prewarm: true })
    }
    const names = args.positional.map((a) => imageNameFromArg(a, ctx.project.dockerDir, ctx.project.root, ctx.project.config.dockerDir))
    return pipelineNodes(ctx, await loadGraph(ctx), names)
  },
}
