import { pipelineNodes } from '../pipeline/plan.js'
import { releaseBuildArgs } from '../pipeline/release.js'
import { releaseTags } from '../publish.js'
import { smoke, smokePaths } from '../pipeline/smoke.js'
import { releaseImage, tagRelease } from './tag.js'
import { graphOptions, graphWithRoles, parseConcurrency } from './plan-images.js'
import type { TaskDef } from './types.js'

export const release: TaskDef = {
  name: 'release',
  description: 'Build what changed (images, wheels), then the release image from the wheels only',
  args: [{ name: 'tags', description: 'extra tags for the release image, e.g. v1 stable (as `tag` does)', variadic: true }],
  options: [...graphOptions, { name: 'smoke', description: 'then start the image, GET / and a static file, and stop it (the smoke task)' }],
  async graph(ctx, args) {
    releaseTags(undefined, undefined, args.positional) // refuse an invalid tag before building anything
    await releaseBuildArgs(ctx) // nothing to serve: say so before building anything
    return pipelineNodes(ctx, await graphWithRoles(ctx), [ctx.project.config.images.release], { prewarm: parseConcurrency(args.options.concurrency) > 1 })
  },
  async after(ctx, args) {
    if (args.positional.length) await tagRelease(ctx, args.positional)
    if (args.options.smoke === true) {
      const { repo } = await releaseImage(ctx)
      await smoke(ctx, `${repo}:latest`, await smokePaths(ctx.project.source))
    }
  },
}
