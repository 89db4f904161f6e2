import Docker from 'dockerode'
import { LABEL_PROJECT } from '../../lib/docker/labels.js'

/** A dockerode client for assertions; the tests never shell out to the docker CLI. */
export const docker = new Docker()

/** Containers (any state) carrying our project label with this value. */
export async function containersOf(project: string): Promise<Docker.ContainerInfo[]> {
  return docker.listContainers({ all: true, filters: { label: [`${LABEL_PROJECT}=${project}`] } })
}

export async function imageExists(ref: string): Promise<boolean> {
  try {
    await docker.getImage(ref).inspect()
    return true
  } catch {
    return false
  }
}

/** Run a command in an image (entrypoint kept) and return exit code and output. */
export async function execIn(image: string, cmd: string[]): Promise<{ code: number; output: string }> {
  const container = await docker.createContainer({ Image: image, Cmd: cmd, Labels: { [LABEL_PROJECT]: 'tests' }, Tty: true })
  try {
    const wait = container.wait({ condition: 'next-exit' })
    await container.start()
    const { StatusCode } = await wait
    const logs = await container.logs({ stdout: true, stderr: true })
    return { code: StatusCode, output: logs.toString() }
  } finally {
    await container.remove({ force: true })
  }
}

/** Remove every container and image labelled with this project value (what a test created). */
export async function removeProject(project: string): Promise<void> {
  // v: the anonymous volumes of hardened containers (run, smoke, start) go with them.
  for (const c of await containersOf(project)) await docker.getContainer(c.Id).remove({ force: true, v: true }).catch(() => undefined)
  const images = await docker.listImages({ filters: { label: [`${LABEL_PROJECT}=${project}`] } })
  // Children before parents: newest first.
  for (const img of images.sort((a, b) => b.Created - a.Created)) {
    for (const tag of img.RepoTags ?? []) await docker.getImage(tag).remove({ noprune: false }).catch(() => undefined)
    await docker.getImage(img.Id).remove({ force: true }).catch(() => undefined)
  }
}
