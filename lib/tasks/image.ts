import { UserError } from '../errors.js'
import { loadGraph } from '../pipeline/image-graph.js'
import { pipelineNodes } from '../nodes/pipeline.js'
import { graphOptions } from './options.js'
import { imageNameFromArg } from '../pipeline/image-graph.js'
import type { TaskDef } from './types.js'

export const image: TaskDef = {
  name: 'image',
  description: 'Build images from docker/<name>/Dockerfile (parents first; unchanged ones skipped)',
  args: [{ name: 'folder', description: 'image folder, e.g. docker/base (or just base)', variadic: true, required: true }],
  options: graphOptions,
  async nodes(ctx, args) {
    if (args.positional.length === 0) {
      throw new UserError('image needs the image folder to build', { hint: 'e.g. pypackage-tasks image docker/base' })
    }
    // Any image folder builds on its own: the builder/release roles matter only to build and release.
    const graph = await loadGraph(ctx)
    const names = args.positional.map((a) => imageNameFromArg(a, ctx.project.dockerDir, ctx.project.root, ctx.project.config.dockerDir))
    return pipelineNodes(ctx, graph, names, { releaseBuildsWheels: false })
  },
}
