import { PassThrough } from 'node:stream'
import type Dockerode from 'dockerode'
import { UserError, interrupted } from '../errors.js'
import type { Docker } from './client.js'

export interface ContainerSpec {
  image: string
  /** A fixed name (environments find their containers by it); otherwise the engine picks one. */
  name?: string
  /** A user-defined network to join (the release environment's). */
  network?: string
  /** Start and let go: no attach, no wait, so this process can exit while the container runs. */
  detached?: boolean
  cmd?: string[]
  entrypoint?: string[]
  env?: Record<string, string>
  /** host:container[:ro] */
  binds?: string[]
  labels?: Record<string, string>
  user?: string
  workdir?: string
  /** Publish container port on 127.0.0.1: hostPort 0 lets the engine pick a free one. */
  publish?: { containerPort: number; hostPort: number }
  /** Called with each output line (stdout and stderr). */
  onOutput?: (line: string, stream: 'stdout' | 'stderr') => void
}

/** A started container we own: remove() is always called by whoever started it (in `finally`). */
export interface Running {
  id: string
  container: Dockerode.Container
  /** The host port bound to spec.publish.containerPort, if any. */
  hostPort?: number
  /** Resolves with the exit code when the container stops. */
  exited: Promise<number>
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

/** Create, attach and start a container. The caller must `remove()` it in a `finally`. */
export async function startContainer(docker: Docker, spec: ContainerSpec, signal?: AbortSignal): Promise<Running> {
  if (signal?.aborted) throw interrupted(signal)
  const port = spec.publish ? `${spec.publish.containerPort}/tcp` : undefined
  let container: Dockerode.Container
  try {
    container = await docker.createContainer({
      name: spec.name,
      Image: spec.image,
      Cmd: spec.cmd,
      Entrypoint: spec.entrypoint,
      Env: Object.entries(spec.env ?? {}).map(([k, v]) => `${k}=${v}`),
      Labels: spec.labels,
      User: spec.user,
      WorkingDir: spec.workdir,
      ExposedPorts: port ? { [port]: {} } : undefined,
      HostConfig: {
        // A real init as PID 1: signals reach the app even while a shell script runs first.
        Init: true,
        Binds: spec.binds,
        NetworkMode: spec.network,
        PortBindings: port ? { [port]: [{ HostIp: '127.0.0.1', HostPort: spec.publish!.hostPort ? String(spec.publish!.hostPort) : '' }] } : undefined,
      },
    })
  } catch (e) {
    const status = (e as { statusCode?: number }).statusCode
    throw new UserError(`cannot create a container from ${spec.image}: ${(e as Error).message.split('\n')[0]}`, {
      hint: status === 404 ? `the image is missing: build it first (pypackage-tasks image …)` : undefined,
      cause: e,
    })
  }
  const remove = async () => {
    try {
      await container.remove({ force: true, v: true })
    } catch (e) {
      // Already gone (removed by hand, or the engine cleaned it up) is the state we want.
      if ((e as { statusCode?: number }).statusCode !== 404) throw e
    }
  }
  if (spec.detached) {
    try {
      await container.start()
      const info = await container.inspect()
      const hostPort = port ? Number(info.NetworkSettings.Ports?.[port]?.[0]?.HostPort) || undefined : undefined
      return { id: container.id, container, hostPort, exited: new Promise<number>(() => {}), remove }
    } catch (e) {
      await remove()
      throw startError(e, spec)
    }
  }
  try {
    const stream = await container.attach({ stream: true, stdout: true, stderr: true })
    if (spec.onOutput) {
      const out = lineSplitter((l) => spec.onOutput!(l, 'stdout'))
      const err = lineSplitter((l) => spec.onOutput!(l, 'stderr'))
      docker.modem.demuxStream(stream, out, err)
      stream.on('end', () => {
        out.end()
        err.end()
      })
    } else {
      stream.resume()
    }
    // Registered before start with next-exit: the default (not-running) answers at once for a created container.
    const exited = container.wait({ condition: 'next-exit' }).then(
      (r: { StatusCode: number }) => r.StatusCode,
      (e: Error) => {
        throw new UserError(`lost the engine while ${spec.image} was running: ${e.message.split('\n')[0]}`, {
          hint: 'check that the Docker engine is still running, then retry',
          cause: e,
        })
      },
    )
    exited.catch(() => {})
    try {
      await container.start()
    } catch (e) {
      throw startError(e, spec)
    }
    let hostPort: number | undefined
    if (port) {
      const info = await container.inspect()
      hostPort = Number(info.NetworkSettings.Ports?.[port]?.[0]?.HostPort) || undefined
    }
    return { id: container.id, container, hostPort, exited, remove }
  } catch (e) {
    await remove()
    throw e
  }
}

/** Run a container to completion and remove it, also on failure and on abort. Returns the exit code. */
export async function runContainer(docker: Docker, spec: ContainerSpec, signal?: AbortSignal): Promise<number> {
  const running = await startContainer(docker, spec, signal)
  // Already stopped is fine: remove() below forces it either way.
  const onAbort = () => void running.container.kill().catch(() => undefined)
  signal?.addEventListener('abort', onAbort, { once: true })
  // The signal may have fired while the container was being created and started.
  if (signal?.aborted) onAbort()
  try {
    const code = await running.exited
    if (signal?.aborted) throw interrupted(signal)
    return code
  } finally {
    signal?.removeEventListener('abort', onAbort)
    await running.remove()
  }
}
