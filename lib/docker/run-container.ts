import { mkdir } from 'node:fs/promises'
import { PassThrough } from 'node:stream'
import type Dockerode from 'dockerode'
import { UserError, interrupted } from '../errors.js'
import type { Docker } from './client.js'
import { ignoreNotFound, notFound } from './engine.js'
import { createOptions, LOCAL, type ContainerSpec, type EngineSite } from './container-spec.js'
import { downloadFrom, uploadInto } from './transfer.js'


/** A started container we own: remove() is always called by whoever started it (in `finally`). */
export interface Running {
  id: string
  /** The host port bound to spec.publish.containerPort, if any. */
  hostPort?: number
  /** Where this machine reaches that port: 127.0.0.1, or the engine's host (DOCKER_HOST's). */
  host: string
  /** The user the container runs as (the image's USER unless the spec set one); '' = root. */
  user: string
  /** Its working folder (the image's WORKDIR unless the spec set one). */
  workdir: string
  /** Resolves with the exit code when the container stops. */
  exited: Promise<number>
  /** Ask it to stop (SIGTERM), killing it after `seconds`. */
  stop(seconds: number): Promise<void>
  kill(): Promise<void>
  /** Its last `lines` lines, stdout and stderr interleaved. */
  logs(lines: number): Promise<string[]>
  /** Stop and remove it with its anonymous volumes; already gone counts as removed. */
  remove(): Promise<void>
}

/** A writable that turns what is written into lines (the last one flushed at the end). */
export function lineSplitter(onLine: (l: string) => void): PassThrough {
  const pt = new PassThrough()
  let buf = ''
  pt.on('data', (chunk: Buffer) => {
    buf += chunk.toString()
    let nl
    while ((nl = buf.indexOf('\n')) >= 0) {
      onLine(buf.slice(0, nl).replace(/\r$/, ''))
      buf = buf.slice(nl + 1)
    }
  })
  pt.on('end', () => buf && onLine(buf))
  return pt
}

function startError(e: unknown, spec: ContainerSpec): UserError {
  const msg = (e as Error).message
  if (/port is already allocated|address already in use/i.test(msg)) {
    return new UserError(`host port ${spec.publish?.hostPort} on 127.0.0.1 is already in use`, {
      hint: 'stop what uses it, or pick another port with --port (0 = any free port)',
      cause: e,
    })
  }
  return new UserError(`cannot start a container from ${spec.image}: ${msg.split('\n')[0]}`, { cause: e })
}

/** The last `lines` lines a (stopped or running) container wrote, stdout and stderr interleaved. */
export async function logTail(container: Dockerode.Container, lines = 30): Promise<string[]> {
  const buf = (await container.logs({ stdout: true, stderr: true, tail: lines, follow: false })) as unknown as Buffer
  return demuxFrames(buf).split('\n').map((l) => l.replace(/\r$/, '')).filter(Boolean)
}

/** A non-TTY container's log is framed: 8-byte headers (stream, 0, 0, 0, size as uint32 BE). Pure. */
export function demuxFrames(buf: Buffer): string {
  const parts: Buffer[] = []
  let at = 0
  while (at + 8 <= buf.length && buf[at] <= 2 && buf.readUIntBE(at + 1, 3) === 0) {
    const size = buf.readUInt32BE(at + 4)
    parts.push(buf.subarray(at + 8, at + 8 + size))
    at += 8 + size
  }
  // Not framed (a TTY container): the bytes are the text.
  return at === 0 ? buf.toString() : Buffer.concat(parts).toString()
}

/** Create, attach and start a container. The caller must `remove()` it in a `finally`. */
export async function startContainer(docker: Docker, spec: ContainerSpec, signal?: AbortSignal, site: EngineSite = LOCAL): Promise<Running> {
  return (await startOwned(docker, spec, signal, site)).running
}

/** startContainer, also answering the container itself (runContainer copies its downloads out of it). */
async function startOwned(docker: Docker, spec: ContainerSpec, signal: AbortSignal | undefined, site: EngineSite): Promise<{ running: Running; container: Dockerode.Container }> {
  if (signal?.aborted) throw interrupted(signal)
  const container = await createContainer(docker, spec, site)
  const handle = handleOf(container)
  if (!site.sharedDisk && spec.uploads?.length) await settled(() => uploadInto(container, spec.uploads!, signal), handle, signal)
  if (spec.detached) return { running: await startDetached(container, handle, spec, site), container }
  try {
    // Attached and waited on before it starts: no output and no exit can be missed.
    const { drained } = await attachOutput(docker, container, spec)
    const exited = waitForExit(container, drained, spec)
    try {
      await container.start()
    } catch (e) {
      throw startError(e, spec)
    }
    return { running: { ...handle, ...(await describeRunning(container, spec, site)), exited }, container }
  } catch (e) {
    await handle.remove()
    throw e
  }
}

/** Run a step on a container we own: when it fails (or the run was interrupted meanwhile), the container is removed and the failure thrown. */
async function settled(step: () => Promise<void>, handle: Pick<Running, 'remove'>, signal: AbortSignal | undefined): Promise<void> {
  try {
    await step()
  } catch (e) {
    await handle.remove()
    throw signal?.aborted ? interrupted(signal) : e
  }
}

async function createContainer(docker: Docker, spec: ContainerSpec, site: EngineSite): Promise<Dockerode.Container> {
  // A bind mount of a missing folder would be made by the engine, as root: made here, as ours.
  if (site.sharedDisk) for (const d of spec.downloads ?? []) await mkdir(d.to, { recursive: true })
  try {
    return await docker.createContainer(createOptions(spec, site))
  } catch (e) {
    throw new UserError(`cannot create a container from ${spec.image}: ${(e as Error).message.split('\n')[0]}`, {
      hint: notFound(e) ? `the image is missing: build it first (pypackage-tasks image …)` : undefined,
      cause: e,
    })
  }
}

/** What a Running is before it starts: its id and what can be done to it. */
function handleOf(container: Dockerode.Container): Pick<Running, 'id' | 'stop' | 'kill' | 'logs' | 'remove'> {
  return {
    id: container.id,
    stop: async (seconds: number) => void (await container.stop({ t: seconds })),
    kill: async () => void (await container.kill()),
    logs: (lines: number) => logTail(container, lines),
    // Already gone (removed by hand, or the engine cleaned it up) is the state we want.
    remove: () => ignoreNotFound(`remove container ${container.id.slice(0, 12)}`, container.remove({ force: true, v: true })),
  }
}

/** Start and let go: nobody waits for its exit (`exited` never settles); removed again when it cannot start. */
async function startDetached(container: Dockerode.Container, handle: ReturnType<typeof handleOf>, spec: ContainerSpec, site: EngineSite): Promise<Running> {
  try {
    await container.start()
    return { ...handle, ...(await describeRunning(container, spec, site)), exited: new Promise<number>(() => {}) }
  } catch (e) {
    await handle.remove()
    throw startError(e, spec)
  }
}

/** A started container's published host port, user and working folder, as the engine reports them. */
async function describeRunning(container: Dockerode.Container, spec: ContainerSpec, site: EngineSite): Promise<Pick<Running, 'hostPort' | 'host' | 'user' | 'workdir'>> {
  const port = spec.publish ? `${spec.publish.containerPort}/tcp` : undefined
  const info = await container.inspect()
  const hostPort = port ? Number(info.NetworkSettings.Ports?.[port]?.[0]?.HostPort) || undefined : undefined
  return { hostPort, host: site.reachHost, user: info.Config.User ?? '', workdir: info.Config.WorkingDir ?? '' }
}

/**
 * Attach to the container's output: to onOutput line by line (stdout and stderr apart), or
 * drained unread. `drained` resolves when all of it has been passed on (wrapped in an object:
 * an async function would wait for the promise itself).
 */
async function attachOutput(docker: Docker, container: Dockerode.Container, spec: ContainerSpec): Promise<{ drained: Promise<unknown> }> {
  const stream = await container.attach({ stream: true, stdout: true, stderr: true })
  const onOutput = spec.onOutput
  if (!onOutput) {
    const drained = new Promise((resolve) => stream.on('end', resolve))
    stream.resume()
    return { drained }
  }
  const out = lineSplitter((l) => onOutput(l, 'stdout'))
  const err = lineSplitter((l) => onOutput(l, 'stderr'))
  docker.modem.demuxStream(stream, out, err)
  const drained = Promise.all([out, err].map((pt) => new Promise((resolve) => pt.on('end', resolve))))
  stream.on('end', () => {
    out.end()
    err.end()
  })
  return { drained }
}

/**
 * The exit code once the output has reached onOutput too (its last lines say why it stopped),
 * with a bound: a stream that never ends must not hold the exit code back. Registered before
 * start with next-exit: the default (not-running) answers at once for a created container.
 */
function waitForExit(container: Dockerode.Container, drained: Promise<unknown>, spec: ContainerSpec): Promise<number> {
  const exited = container.wait({ condition: 'next-exit' }).then(
    async (r: { StatusCode: number }) => {
      let timer: NodeJS.Timeout | undefined
      await Promise.race([drained, new Promise((resolve) => (timer = setTimeout(resolve, 2000)))])
      clearTimeout(timer)
      return r.StatusCode
    },
    (e: Error) => {
      throw new UserError(`lost the engine while ${spec.image} was running: ${e.message.split('\n')[0]}`, {
        hint: 'check that the Docker engine is still running, then retry',
        cause: e,
      })
    },
  )
  // Nobody may be waiting yet (start can still fail): a rejection must not count as unhandled.
  exited.catch(() => {})
  return exited
}

/**
 * Run a container to completion and remove it, also on failure and on abort. Returns the exit
 * code; with 0, its downloads are here first.
 */
export async function runContainer(docker: Docker, spec: ContainerSpec, signal?: AbortSignal, site: EngineSite = LOCAL): Promise<number> {
  const { running, container } = await startOwned(docker, spec, signal, site)
  // Already stopped is fine: remove() below forces it either way.
  const onAbort = () => void running.kill().catch(() => undefined)
  signal?.addEventListener('abort', onAbort, { once: true })
  // The signal may have fired while the container was being created and started.
  if (signal?.aborted) onAbort()
  try {
    const code = await running.exited
    if (signal?.aborted) throw interrupted(signal)
    if (code === 0 && !site.sharedDisk && spec.downloads?.length) {
      await downloadFrom(container, spec.downloads, signal).catch((e: unknown) => {
        throw signal?.aborted ? interrupted(signal) : e
      })
    }
    return code
  } finally {
    signal?.removeEventListener('abort', onAbort)
    await running.remove()
  }
}
