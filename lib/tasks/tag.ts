import type { Context } from '../context.js'
import { warnAboutGit } from '../pipeline/images.js'
import { releaseRepo, requireImage } from '../pipeline/release.js'
import { readBranch, releaseTags } from '../publish.js'
import type { TaskArgs, TaskDef } from './types.js'

/** The release image (its :latest), which tag and push publish. */
export async function releaseImage(ctx: Context): Promise<{ id: string; repo: string }> {
  const { id } = await requireImage(ctx)
  return { id, repo: releaseRepo(ctx.project) }
}

/** Tag the release image with the commit, the branch and `extra` tags; returns the tags. */
export async function tagRelease(ctx: Context, extra: string[]): Promise<string[]> {
  warnAboutGit(ctx) // no commit tag without git
  const tags = releaseTags(ctx.project.git, await readBranch(ctx.project.root), extra)
  const { id, repo } = await releaseImage(ctx)
  const engine = await ctx.engine()
  for (const tag of tags) await engine.images.tag(id, repo, tag)
  ctx.emit({ type: 'tagged', repo, tags })
  return tags
}

export const tag: TaskDef = {
  name: 'tag',
  description: 'Tag the release image with the git commit, the branch and any tags given (tag v1 stable)',
  args: [{ name: 'tags', description: 'extra tags, e.g. v1 stable', variadic: true }],
  options: [],
  async run(ctx, args: TaskArgs) {
    await tagRelease(ctx, args.positional)
    return 0
  },
}
