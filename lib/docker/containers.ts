import { Readable } from 'node:stream'
import type { Docker } from './client.js'
import { ask, ignoreNotFound, unlessNotFound, type ContainerInfo, type Containers } from './engine.js'
import { labelFilters } from './labels.js'
import type { EngineSite } from './container-spec.js'
import { lineSplitter, logTail, runContainer, startContainer } from './run-container.js'
import { execStreaming } from './exec.js'
import { uploadInto } from './transfer.js'

/** A container by name or id, running or stopped, or undefined. */
async function inspectContainer(docker: Docker, name: string, site: EngineSite): Promise<ContainerInfo | undefined> {
  const info = await unlessNotFound(`inspect container ${name}`, docker.getContainer(name).inspect())
  if (!info) return undefined
  const hostPorts: Record<number, number> = {}
  for (const [port, bindings] of Object.entries(info.NetworkSettings.Ports ?? {})) {
    const host = Number(bindings?.[0]?.HostPort)
    if (port.endsWith('/tcp') && host) hostPorts[parseInt(port, 10)] = host
  }
  return { id: info.Id, name: info.Name.replace(/^\//, ''), running: info.State.Running, exitCode: info.State.ExitCode, hostPorts, host: site.reachHost, labels: info.Config?.Labels ?? {} }
}

/**
 * A container's log, line by line, to onOutput. A non-TTY container's log is one framed stream
 * of both outputs: the modem splits it into stdout and stderr.
 */
async function streamLogs(docker: Docker, name: string, opts: Parameters<Containers['streamLogs']>[1]): Promise<void> {
  const container = docker.getContainer(name)
  const { tail, follow, signal } = opts
  const what = `read the log of ${name}`
  const source = follow
    ? await ask(what, container.logs({ stdout: true, stderr: true, tail, follow: true, abortSignal: signal } as never) as unknown as Promise<NodeJS.ReadableStream>)
    : Readable.from([(await ask(what, container.logs({ stdout: true, stderr: true, tail, follow: false }))) as unknown as Buffer])
  const out = lineSplitter((line) => opts.onOutput(line, 'stdout'))
  const err = lineSplitter((line) => opts.onOutput(line, 'stderr'))
  docker.modem.demuxStream(source, out, err)
  await new Promise<void>((resolve) => {
    source.on('end', resolve)
    // A stream that fails (an aborted follow does) has said all it will: what it said stands.
    source.on('error', () => resolve())
    signal?.addEventListener('abort', () => resolve(), { once: true })
  })
  // The splitters flush a last line without a newline when they end, a tick later: wait for
  // that, so every line has reached onOutput when this resolves.
  await Promise.all([out, err].map(ended))
}

/** End a line splitter; resolves once it has delivered its last line (or failed). */
function ended(splitter: NodeJS.WritableStream & NodeJS.ReadableStream): Promise<void> {
  return new Promise<void>((resolve) => {
    splitter.once('end', () => resolve())
    splitter.once('error', () => resolve())
    splitter.end()
  })
}

/** Run `cmd` in a running container, its output discarded: its exit code. */
async function execIn(docker: Docker, name: string, cmd: string[]): Promise<number> {
  const exec = await docker.getContainer(name).exec({ Cmd: cmd, AttachStdout: true, AttachStderr: true })
  const stream = await exec.start({ hijack: true, stdin: false })
  stream.resume()
  await new Promise((r) => stream.on('end', r))
  const { ExitCode } = await exec.inspect()
  return ExitCode ?? -1
}

/** The containers of one engine; `site` is asked, as each container is made, where the engine is (container-spec.ts: EngineSite). */
export function createContainers(docker: Docker, site: () => EngineSite): Containers {
  return {
    run: (spec, signal) => runContainer(docker, spec, signal, site()),
    start: (spec, signal) => startContainer(docker, spec, signal, site()),
    inspect: (name) => inspectContainer(docker, name, site()),
    async list(labels) {
      const found = await ask('list containers', docker.listContainers({ all: true, filters: labelFilters(labels) }))
      return found.map((c) => ({ id: c.Id, name: (c.Names[0] ?? '').replace(/^\//, ''), labels: c.Labels ?? {} }))
    },
    // Every caller wants it gone whatever it is doing: forced.
    remove: (name, { volumes = false } = {}) => ignoreNotFound(`remove container ${name}`, docker.getContainer(name).remove({ force: true, v: volumes })),
    logs: (name, lines) => ask(`read the log of ${name}`, logTail(docker.getContainer(name), lines)),
    streamLogs: (name, opts) => streamLogs(docker, name, opts),
    exec: (name, cmd) => ask(`run ${cmd[0]} in ${name}`, execIn(docker, name, cmd)),
    execStreaming: (name, opts) => execStreaming(docker, name, opts),
    copyIn: (name, uploads, signal) => uploadInto(docker.getContainer(name), uploads, signal),
    // tar-stream only when a container's file is read back.
    runCollect: async (spec, files, collect, signal) => (await import('./files.js')).runCollecting(docker, spec, files, collect, signal),
  }
}
