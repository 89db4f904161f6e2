import { imageNodeId } from '../graph/ids.js'
import { lookAhead, pipelineNodes } from '../nodes/pipeline.js'
import { releaseBuildArgs } from '../pipeline/release.js'
import { releaseTags } from '../tags.js'
import { graphOptions, parseConcurrency } from './options.js'
import { graphWithRoles } from '../pipeline/image-graph.js'
import type { TaskDef } from './types.js'

export const release: TaskDef = {
  name: 'release',
  description: 'Build what changed (images, wheels), then the release image from the wheels only',
  args: [{ name: 'tags', description: 'extra tags for the release image, e.g. v1 stable (as `tag` does)', variadic: true }],
  options: [...graphOptions, { name: 'smoke', description: 'then start the image, GET / and a static file, and stop it (the smoke task)' }],
  replay: true,
  async nodes(ctx, args) {
    releaseTags(undefined, undefined, args.positional) // refuse an invalid tag before building anything
    // The graph and the engine's one look are under way while the shape is read (their errors come after its).
    const ahead = lookAhead(ctx)
    await releaseBuildArgs(ctx) // nothing to serve: say so before building anything
    const built = imageNodeId(ctx.project.config.images.release)
    const graph = await graphWithRoles(ctx, await ahead.graph)
    const nodes = await pipelineNodes(ctx, graph, [ctx.project.config.images.release], { prewarm: parseConcurrency(args.options.concurrency) > 1, ahead: ahead.known })
    // After the image: its extra tags, then the smoke test (of what was just tagged).
    // The tag and smoke nodes (and what they need) are loaded only when asked for.
    const tags = args.positional.length ? [(await import('../nodes/tags.js')).tagsNode(args.positional, [built])] : []
    const smoke = args.options.smoke === true ? [(await import('../nodes/smoke.js')).smokeNode([built, ...tags.map((t) => t.id)])] : []
    return [...nodes, ...tags, ...smoke]
  },
}
