import { smoke as runSmoke, smokePaths } from '../pipeline/smoke.js'
import { releaseImage } from './tag.js'
import type { TaskDef } from './types.js'

export const smoke: TaskDef = {
  name: 'smoke',
  description: 'Start the release image, GET / and a static file, report status and latency, stop it',
  args: [],
  options: [],
  async run(ctx) {
    const { repo } = await releaseImage(ctx)
    await runSmoke(ctx, `${repo}:latest`, await smokePaths(ctx.project.source))
    return 0
  },
}
