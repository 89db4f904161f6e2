import { UserError } from '../errors.js'
import { readBranch, readDockerConfig, releaseTags, resolveRegistryAuth } from '../publish.js'
import { releaseImage } from './tag.js'
import type { TaskDef } from './types.js'

export const push: TaskDef = {
  name: 'push',
  description: 'Push the release image to the registry, tagged with the commit, the branch, latest and any tags given',
  args: [{ name: 'tags', description: 'extra tags, e.g. v1 stable', variadic: true }],
  options: [{ name: 'registry', value: 'HOST[:PORT]', description: 'registry to push to (default: "registry" in .pypackagerc.json)' }],
  notes:
    'Credentials: PYPACKAGE_REGISTRY_USERNAME and PYPACKAGE_REGISTRY_PASSWORD, else the Docker config file (DOCKER_CONFIG or ~/.docker/config.json) as the docker CLI reads it: the credential helper of credHelpers or credsStore (docker-credential-NAME), else the auths entry `docker login` wrote. Shows each layer as it is pushed. Transient failures are retried with backoff.',
  async run(ctx, args) {
    const registry = typeof args.options.registry === 'string' ? args.options.registry : ctx.project.config.registry
    if (!registry) {
      throw new UserError('push needs a registry', { hint: 'set "registry" in .pypackagerc.json (e.g. "registry.example.com" or "127.0.0.1:5000"), or pass --registry HOST' })
    }
    const tags = [...releaseTags(ctx.project.git, await readBranch(ctx.project.root), args.positional), 'latest']
    const { id, repo } = await releaseImage(ctx)
    const engine = await ctx.engine()
    const remote = `${registry}/${repo}`
    // Before tagging anything: a missing credential helper is one error, with nothing to undo.
    const { auth, from } = await resolveRegistryAuth(registry, process.env, await readDockerConfig(), { signal: ctx.signal })
    if (from && (auth.username || auth.identitytoken)) ctx.emit({ type: 'push:auth', registry, from })
    for (const tag of [...new Set(tags)]) {
      const existed = await engine.images.inspect(`${remote}:${tag}`)
      await engine.images.tag(id, remote, tag)
      const started = Date.now()
      const digest = await engine
        .push(remote, tag, {
          auth,
          authFrom: from,
          signal: ctx.signal,
          onOutput: (line) => ctx.emit({ type: 'push:output', ref: `${remote}:${tag}`, line }),
          onRetry: (attempt, attempts, delay, reason) => ctx.emit({ type: 'push:retry', ref: `${remote}:${tag}`, reason, attempt, attempts, delayMs: delay }),
        })
        .catch(async (e) => {
          // A tag that names a registry the image never reached would mislead: take it back.
          if (!existed) await engine.images.remove(`${remote}:${tag}`, { noprune: true })
          throw e
        })
      ctx.emit({ type: 'pushed', ref: `${remote}:${tag}`, digest: digest || undefined, ms: Date.now() - started })
    }
    return 0
  },
}
