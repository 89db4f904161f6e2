import type { Context } from '../context.js'
import { action } from '../graph/action.js'
import { appPython, warnAboutGit, type NodeResult } from '../pipeline/image-graph.js'
import { releaseImage, releaseRepo } from '../pipeline/release.js'
import { readBranch } from '../git.js'
import { releaseTags } from '../tags.js'
import { done } from '../tasks/outcome.js'

/** The tags the release image gets: the commit, the branch and `extra`. Refuses an invalid tag. */
export async function tagsFor(ctx: Context, extra: string[]): Promise<string[]> {
  return releaseTags(ctx.project.git, await readBranch(ctx.project.root), extra, appPython(ctx)?.version)
}

/** Tag the release image with the commit, the branch and `extra` tags; returns the tags. */
async function tagRelease(ctx: Context, extra: string[]): Promise<string[]> {
  warnAboutGit(ctx) // no commit tag without git
  const tags = await tagsFor(ctx, extra)
  const { id, repo } = await releaseImage(ctx)
  const engine = await ctx.engine()
  for (const tag of tags) await engine.images.tag(id, repo, tag)
  ctx.emit({ type: 'tagged', repo, tags })
  return tags
}

/** Tag the release image; `needs`: the node that builds it (release v1), none when it must exist (tag). */
export function tagsNode(extra: string[], needs: string[] = []) {
  return action<Context, NodeResult>({
    id: 'tags',
    title: 'Tag the release image',
    needs,
    quiet: true,
    describe: async (c) => {
      if (!needs.length) await releaseImage(c)
      return { do: 'tag', repo: releaseRepo(c.project), tags: await tagsFor(c, extra) }
    },
    run: async (c) => ({ result: done(), data: { tags: await tagRelease(c, extra) } }),
  })
}
