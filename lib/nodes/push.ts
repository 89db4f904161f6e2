import type { Context } from '../context.js'
import { UserError } from '../errors.js'
import { action } from '../graph/action.js'
import { warnAboutGit, type NodeResult } from '../pipeline/image-graph.js'
import { releaseImage, releaseRepo } from '../pipeline/release.js'
import { readDockerConfig, resolveRegistryAuth } from '../credentials.js'
import { done } from '../tasks/outcome.js'
import { tagsFor } from './tags.js'

/** The registry to push to: --registry, else the config's; none is an error saying how to set one. */
export function registryOf(ctx: Context, flag: string | boolean | undefined): string {
  const registry = typeof flag === 'string' ? flag : ctx.project.config.registry
  if (!registry) {
    throw new UserError('push needs a registry', { hint: 'set "registry" in .pypackagerc.json (e.g. "registry.example.com" or "127.0.0.1:5000"), or pass --registry HOST' })
  }
  return registry
}

/** Push one tag; a tag naming a registry the image never reached would mislead, so a failure puts the name back as it was. */
async function pushTag(ctx: Context, id: string, remote: string, tag: string, auth: Awaited<ReturnType<typeof resolveRegistryAuth>>): Promise<void> {
  const engine = await ctx.engine()
  const ref = `${remote}:${tag}`
  const existed = await engine.images.inspect(ref)
  await engine.images.tag(id, remote, tag)
  const started = Date.now()
  const digest = await engine
    .push(remote, tag, {
      auth: auth.auth,
      authFrom: auth.from,
      signal: ctx.signal,
      onOutput: (line) => ctx.emit({ type: 'push:output', ref, line }),
      onRetry: (attempt, attempts, delay, reason) => ctx.emit({ type: 'push:retry', ref, reason, attempt, attempts, delayMs: delay }),
    })
    .catch(async (e) => {
      // The name goes back to what it named before (latest after an earlier push), or away.
      if (existed) await engine.images.tag(existed.id, remote, tag)
      else await engine.images.remove(ref, { noprune: true })
      throw e
    })
  ctx.emit({ type: 'pushed', ref, digest: digest || undefined, ms: Date.now() - started })
}

/** Push the release image to `registry` under the commit, the branch, latest and `extra` tags. */
export function pushNode(registry: string, extra: string[]) {
  const tagsOf = async (c: Context) => [...new Set([...(await tagsFor(c, extra)), 'latest'])]
  return action<Context, NodeResult>({
    id: 'push',
    title: 'Push the release image',
    quiet: true,
    describe: async (c) => {
      await releaseImage(c)
      return { do: 'push', repo: `${registry}/${releaseRepo(c.project)}`, tags: await tagsOf(c) }
    },
    run: async (c) => {
      warnAboutGit(c) // no commit tag without git
      const tags = await tagsOf(c)
      const { id, repo } = await releaseImage(c)
      // Before tagging anything: a missing credential helper is one error, with nothing to undo.
      const auth = await resolveRegistryAuth(registry, process.env, await readDockerConfig(), { signal: c.signal })
      if (auth.from && (auth.auth.username || auth.auth.identitytoken)) c.emit({ type: 'push:auth', registry, from: auth.from })
      for (const tag of tags) await pushTag(c, id, `${registry}/${repo}`, tag, auth)
      return { result: done(), data: { pushed: tags } }
    },
  })
}
