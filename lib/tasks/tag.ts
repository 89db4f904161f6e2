import { dryRunOption } from './options.js'
import type { TaskDef } from './types.js'

export const tag: TaskDef = {
  name: 'tag',
  description: 'Tag the release image with the git commit, the branch and any tags given (tag v1 stable)',
  args: [{ name: 'tags', description: 'extra tags, e.g. v1 stable', variadic: true }],
  options: [dryRunOption],
  async nodes(_ctx, args) {
    const { tagsNode } = await import('../nodes/tags.js')
    return [tagsNode(args.positional)]
  },
}
