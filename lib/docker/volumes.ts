import type { Docker } from './client.js'
import { ask, ignoreNotFound, unlessNotFound, type Volumes } from './engine.js'
import { labelFilters } from './labels.js'

export function createVolumes(docker: Docker): Volumes {
  return {
    async inspect(name) {
      const info = await unlessNotFound(`inspect volume ${name}`, docker.getVolume(name).inspect())
      return info && { name: info.Name, labels: info.Labels ?? {} }
    },
    async create(name, labels) {
      await ask(`create volume ${name}`, docker.createVolume({ Name: name, Labels: labels }))
    },
    async list(labels) {
      const { Volumes } = await ask('list volumes', docker.listVolumes({ filters: labelFilters(labels) }))
      return (Volumes ?? []).map((v) => ({ name: v.Name, labels: v.Labels ?? {} }))
    },
    remove: (name) => ignoreNotFound(`remove volume ${name}`, docker.getVolume(name).remove()),
  }
}
