import { dryRunOption } from './options.js'
import type { TaskDef } from './types.js'

export const push: TaskDef = {
  name: 'push',
  description: 'Push the release image to the registry, tagged with the commit, the branch, latest and any tags given',
  args: [{ name: 'tags', description: 'extra tags, e.g. v1 stable', variadic: true }],
  options: [{ name: 'registry', value: 'HOST[:PORT]', description: 'registry to push to (default: "registry" in .pypackagerc.json)' }, dryRunOption],
  notes:
    'Credentials: PYPACKAGE_REGISTRY_USERNAME and PYPACKAGE_REGISTRY_PASSWORD, else the Docker config file (DOCKER_CONFIG or ~/.docker/config.json) as the docker CLI reads it: the credential helper of credHelpers or credsStore (docker-credential-NAME), else the auths entry `docker login` wrote. Shows each layer as it is pushed. Transient failures are retried with backoff.',
  async nodes(ctx, args) {
    // Loaded when pushing only (credentials, the push node): other tasks start without them.
    const { pushNode, registryOf } = await import('../nodes/push.js')
    return [pushNode(registryOf(ctx, args.options.registry), args.positional)]
  },
}
