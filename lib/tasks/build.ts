import { pipelineNodes } from '../nodes/pipeline.js'
import { graphOptions } from './options.js'
import { graphWithRoles } from '../pipeline/image-graph.js'
import type { TaskDef } from './types.js'

export const build: TaskDef = {
  name: 'build',
  description: 'Build wheels for the app and every dependency into the wheelhouse (in the builder image)',
  args: [],
  options: graphOptions,
  async nodes(ctx) {
    return pipelineNodes(ctx, await graphWithRoles(ctx), [], { withWheels: true })
  },
}
