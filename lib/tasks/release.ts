import { wheelPipeline } from './build.js'
import type { TaskDef } from './types.js'

export const release: TaskDef = {
  name: 'release',
  description: 'Build what is missing (images, wheels), then the release image from the wheels only',
  args: [],
  options: [],
  async stages(ctx) {
    return wheelPipeline(ctx, true)
  },
}
