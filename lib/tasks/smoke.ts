import { dryRunOption } from './options.js'
import type { TaskDef } from './types.js'

export const smoke: TaskDef = {
  name: 'smoke',
  description: 'Start the release image, GET / and a static file, report status and latency, stop it',
  args: [],
  options: [dryRunOption],
  // It reads the image and starts a container of its own: nothing another run could change under it.
  lock: false,
  async nodes() {
    const { smokeNode } = await import('../nodes/smoke.js')
    return [smokeNode()]
  },
}
