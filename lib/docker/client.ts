import { createRequire, Module } from 'node:module'
import type Dockerode from 'dockerode'
import { UserError } from '../errors.js'
import { buildImage, chooseBuilder } from './build-image.js'
import { createContainers } from './containers.js'
import { chosenBy, otherContextHint, resolveEndpoint, type EngineEndpoint } from './contexts.js'
import type { Engine } from './engine.js'
import type { EngineSite } from './container-spec.js'
import { createImages } from './images.js'
import { createNetworks } from './networks.js'
import { pushImage } from './push.js'
import { createVolumes } from './volumes.js'

export type Docker = Dockerode

/**
/**
 * Where the engine is, from its address (the chosen context's endpoint, or DOCKER_HOST, or the
 * local socket when undefined). Its unix socket is this machine's: it sees our files, and its
 * published ports stay on loopback. tcp:// and ssh:// name another machine (or a dockerd with a
 * filesystem of its own): folders travel through the API, ports are published on its interfaces
 * and reached at its host name. `sharedDisk` (the config's engine.sharedDisk) overrides the first.
 */
export function engineSite(host: string | undefined, sharedDisk?: boolean | null): EngineSite {
  if (!host || host.startsWith('unix://')) return { sharedDisk: sharedDisk ?? true, publishIp: '127.0.0.1', reachHost: '127.0.0.1' }
  let reachHost = '127.0.0.1'
  try {
    reachHost = new URL(host).hostname || reachHost
  } catch {
    // Not a URL dockerode would take either: it fails to connect, with its own message.
  }
  return { sharedDisk: sharedDisk ?? false, publishIp: '', reachHost }
}

/** Defined (true) only in the bundle the bin loads, by tools/bundle.mjs. */
declare const PYPACKAGE_BUNDLE: true | undefined

/** The config's `engine.sharedDisk` (null: decided by the address), read when a container is made: the config may load after the dial. */
type SharedDiskSetting = () => boolean | null | undefined

/**
 * The one place dockerode is loaded (lazily, so `--help` and `list` never pay for it). The engine
 * is the Docker context's (contexts.ts: --context, DOCKER_HOST, DOCKER_CONTEXT, currentContext, as
 * the docker CLI picks it). For `default` dockerode reads DOCKER_HOST itself: unix://, tcp://
 * (DOCKER_TLS_VERIFY/DOCKER_CERT_PATH) and ssh://; a stored context's endpoint goes in as options.
 */
export async function connect(
  opts: { signal?: AbortSignal; timeoutMs?: number; context?: string; env?: NodeJS.ProcessEnv; sharedDisk?: SharedDiskSetting; ping?: boolean } = {},
): Promise<Engine> {
  const endpoint = await resolveEndpoint(opts.context, opts.env ?? process.env)
  // In the bundle (tools/bundle.mjs) those parts are stand-ins already: nothing to resolve.
  if (typeof PYPACKAGE_BUNDLE === 'undefined') deferHeavyParts(endpoint.host.startsWith('ssh://'))
  const { default: Docker } = await import('dockerode')
  let docker: Docker
  try {
    docker = new Docker(endpoint.options)
  } catch (e) {
    // docker-modem reads DOCKER_HOST (and DOCKER_CERT_PATH's files) as it starts, even for a context.
    throw new UserError(`cannot use DOCKER_HOST=${process.env.DOCKER_HOST ?? ''}: ${(e as Error).message}`, { hint: 'fix DOCKER_HOST (tcp://host:2375, unix:///path, ssh://user@host) and DOCKER_CERT_PATH, or unset them', cause: e })
  }
  // ping: false — the caller treats any failure of its first request as its own answer (lib/replay/).
  if (opts.ping === false) return createEngine(docker, endpoint.host, opts.sharedDisk)
  try {
    await withTimeout((docker.ping as (o: object) => Promise<unknown>)({ abortSignal: opts.signal }), opts.timeoutMs ?? 5000)
  } catch (e) {
    throw unreachable(endpoint, e)
  }
  return createEngine(docker, endpoint.host, opts.sharedDisk)
}

/** Nothing answered: where we looked (the context, when one was chosen) and how to look elsewhere. */
function unreachable({ choice, host }: EngineEndpoint, cause: unknown): UserError {
  if (choice.source === 'DOCKER_HOST' || choice.source === 'nothing') {
    return new UserError(`no Docker engine answers at ${host}`, {
      hint:
        choice.source === 'DOCKER_HOST'
          ? 'start the engine there, pass --context NAME, or unset DOCKER_HOST (then DOCKER_CONTEXT or `docker context use` decides, else the local socket)'
          : 'start one (`sudo systemctl start docker`, or `sudo dockerd &`; on Debian: `apt-get install docker.io`), or point DOCKER_HOST at a running engine (tcp://host:2375, ssh://user@host), or pick a Docker context (--context NAME, `docker context use NAME`)',
      cause,
    })
  }
  return new UserError(`no Docker engine answers at ${host} (Docker context "${choice.name}", ${chosenBy(choice)})`, {
    hint: `start the engine there, or ${otherContextHint(choice)}`,
    cause,
  })
}

/** The Engine over one dockerode connection. */
export function createEngine(docker: Docker, host?: string, sharedDisk: SharedDiskSetting = () => undefined): Engine {
  return {
    images: createImages(docker),
    containers: createContainers(docker, () => engineSite(host, sharedDisk())),
    networks: createNetworks(docker),
    volumes: createVolumes(docker),
    build: (req) => buildImage(docker, req),
    builder: (setting) => chooseBuilder(docker, setting),
    push: (repo, tag, opts) => pushImage(docker, repo, tag, opts),
  }
}

/**
 * dockerode loads its ssh:// transport (ssh2) and its BuildKit session (gRPC, protobufjs) as it
 * starts, 50 of its 65 ms, though a run that skips every build needs neither. Each is put in
 * require's cache as a function that loads the real module on its first call, so a no-change run
 * never pays for them. Both modules export one function, called only for ssh:// (the transport)
 * and for BuildKit builds (the session); `ssh`: the endpoint is ssh://, so its transport loads now.
 */
function deferHeavyParts(ssh: boolean): void {
  const require = createRequire(import.meta.url)
  const parts: [string[], string][] = [[['dockerode'], './session']]
  if (!ssh) parts.push([['dockerode', 'docker-modem'], './ssh'])
  for (const [chain, request] of parts) {
    let file: string
    try {
      // Each package resolved from the one that depends on it, as node itself would.
      const from = chain.reduce((at, pkg) => createRequire(at).resolve(pkg), import.meta.filename ?? new URL(import.meta.url).pathname)
      file = createRequire(from).resolve(request)
    } catch {
      continue // another layout of the package: load it as it is
    }
    if (require.cache[file]) continue
    const stub = new Module(file)
    stub.filename = file
    stub.loaded = true
    stub.exports = function (this: unknown, ...args: unknown[]) {
      if (require.cache[file] === stub) delete require.cache[file]
      return (require(file) as (...a: unknown[]) => unknown).apply(this, args)
    }
    require.cache[file] = stub
  }
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms)
  })
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer))
}
