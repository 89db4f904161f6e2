import { pipelineNodes } from '../pipeline/plan.js'
import { graphOptions, graphWithRoles } from './plan-images.js'
import type { TaskDef } from './types.js'

export const release: TaskDef = {
  name: 'release',
  description: 'Build what changed (images, wheels), then the release image from the wheels only',
  args: [],
  options: graphOptions,
  async graph(ctx) {
    return pipelineNodes(ctx, await graphWithRoles(ctx), [ctx.project.config.images.release])
  },
}
