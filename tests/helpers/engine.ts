import Docker from 'dockerode'
import { LABEL_PROJECT, LABEL_TASK } from '../../lib/docker/labels.js'
import { poll } from './poll.js'

/** A dockerode client for assertions; the tests never shell out to the docker CLI. */
export const docker = new Docker()

const statusOf = (e: unknown) => (e as { statusCode?: number }).statusCode

/**
 * Containers (any state) carrying our project label with this value, but the project's warm
 * builder and warm appender: they stay between runs by design (warmBuilderOf, warmAppenderOf find
 * them; removeProject removes them).
 */
export async function containersOf(project: string, client: Docker = docker): Promise<Docker.ContainerInfo[]> {
  return (await client.listContainers({ all: true, filters: { label: [`${LABEL_PROJECT}=${project}`] } })).filter((c) => !isWarmContainer(c))
}

/** The warm builder container (lib/pipeline/warm-builder.ts), labelled task=builder, or the warm appender (warm-appender.ts), task=appender. */
export const isWarmContainer = (c: Docker.ContainerInfo): boolean => c.Labels?.[LABEL_TASK] === 'builder' || c.Labels?.[LABEL_TASK] === 'appender'

/**
 * The command lines running in a container, read from /proc by an exec (the engine's `top` runs
 * ps where the engine runs, which a dockerd in a container lacks). Raw: frame headers left in.
 */
export async function commandsIn(id: string, client: Docker = docker): Promise<string> {
  const exec = await client.getContainer(id).exec({ Cmd: ['sh', '-c', 'for f in /proc/[0-9]*/cmdline; do tr "\\000" " " < "$f"; echo; done'], AttachStdout: true, AttachStderr: true })
  const stream = await exec.start({ hijack: true, stdin: false })
  const chunks: Buffer[] = []
  stream.on('data', (c: Buffer) => chunks.push(c))
  await new Promise((resolve) => stream.on('end', resolve))
  return Buffer.concat(chunks).toString('latin1')
}

/** The project's warm builder, running or not, or undefined. */
export async function warmBuilderOf(project: string, client: Docker = docker): Promise<Docker.ContainerInfo | undefined> {
  return (await client.listContainers({ all: true, filters: { label: [`${LABEL_PROJECT}=${project}`, `${LABEL_TASK}=builder`] } }))[0]
}

/** The project's warm appender, running or not, or undefined. */
export async function warmAppenderOf(project: string, client: Docker = docker): Promise<Docker.ContainerInfo | undefined> {
  return (await client.listContainers({ all: true, filters: { label: [`${LABEL_PROJECT}=${project}`, `${LABEL_TASK}=appender`] } }))[0]
}

/** Whether the engine holds `ref`: only its 404 means absent; any other failure (no engine) is an error. */
export async function imageExists(ref: string, client: Docker = docker): Promise<boolean> {
  try {
    await client.getImage(ref).inspect()
    return true
  } catch (e) {
    if (statusOf(e) === 404) return false
    throw e
  }
}

/** Run a command in an image (entrypoint kept; as `user` when given) and return exit code and output. */
export async function execIn(image: string, cmd: string[], opts: { user?: string } = {}): Promise<{ code: number; output: string }> {
  const container = await docker.createContainer({ Image: image, Cmd: cmd, User: opts.user, Labels: { [LABEL_PROJECT]: 'tests' }, Tty: true })
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
  // Gone already (404), or a tag whose image another tag or child still holds (409): the image
  // itself is removed by id below. Anything else (the engine went away) is the test's failure.
  const tolerate =
    (...codes: number[]) =>
    (e: unknown) => {
      if (!codes.includes(statusOf(e) ?? 0)) throw e
    }
  // v: the anonymous volumes of hardened containers (run, smoke, start) go with them. Every
  // container of the project, the warm builder included (containersOf leaves it out).
  for (const c of await docker.listContainers({ all: true, filters: { label: [`${LABEL_PROJECT}=${project}`] } })) await docker.getContainer(c.Id).remove({ force: true, v: true }).catch(tolerate(404))
  const images = await docker.listImages({ filters: { label: [`${LABEL_PROJECT}=${project}`] } })
  // Children before parents: newest first.
  for (const img of images.sort((a, b) => b.Created - a.Created)) {
    // An untagged image lists `<none>:<none>`, which is no reference (the engine answers 400).
    for (const tag of (img.RepoTags ?? []).filter((t) => t !== '<none>:<none>')) await docker.getImage(tag).remove({ noprune: false }).catch(tolerate(404, 409))
    await docker.getImage(img.Id).remove({ force: true }).catch(tolerate(404, 409))
  }
}

/**
 * An HTTP server in a container on the engine's default bridge network (python's http.server in
 * `image`): something on the engine's network that answers, for checks that a build can, or
 * cannot, reach the network. `log()` is its access log (one line a request). Labelled as the
 * tests' own (like execIn's), not the project's: it is not something the tool left behind.
 */
export async function startHttpProbe(image: string): Promise<{ url: string; log: () => Promise<string>; stop: () => Promise<void> }> {
  const container = await docker.createContainer({
    Image: image,
    Cmd: ['python', '-u', '-m', 'http.server', '8080'],
    Labels: { [LABEL_PROJECT]: 'tests', [LABEL_TASK]: 'test-http-probe' },
  })
  const log = async () => (await container.logs({ stdout: true, stderr: true })).toString()
  try {
    await container.start()
    await poll('the probe server to listen', async () => ((await log()).includes('Serving HTTP on') ? true : undefined), 30_000)
    const ip = (await container.inspect()).NetworkSettings.Networks.bridge?.IPAddress
    if (!ip) throw new Error(`the probe server has no address on the default bridge network`)
    return { url: `http://${ip}:8080`, log, stop: () => container.remove({ force: true }) }
  } catch (e) {
    await container.remove({ force: true })
    throw e
  }
}
