import type { Docker } from './client.js'
import { ask, ignoreNotFound, unlessNotFound, type Networks } from './engine.js'
import { labelFilters } from './labels.js'

export function createNetworks(docker: Docker): Networks {
  return {
    async inspect(name) {
      const info = await unlessNotFound(`inspect network ${name}`, docker.getNetwork(name).inspect())
      return info && { id: info.Id, name: info.Name }
    },
    async create(name, labels) {
      // The engine would otherwise make a second network of the same name beside the first.
      await ask(`create network ${name}`, docker.createNetwork({ Name: name, Labels: labels, CheckDuplicate: true }))
    },
    async list(labels) {
      return (await ask('list networks', docker.listNetworks({ filters: labelFilters(labels) }))).map((n) => ({ id: n.Id, name: n.Name }))
    },
    remove: (name) => ignoreNotFound(`remove network ${name}`, docker.getNetwork(name).remove()),
  }
}
