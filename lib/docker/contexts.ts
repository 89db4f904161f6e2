import { createHash } from 'node:crypto'
import { readdir, readFile } from 'node:fs/promises'
import { Agent } from 'node:https'
import os from 'node:os'
import path from 'node:path'
import type { DockerOptions } from 'dockerode'
import { readDockerConfig } from '../credentials.js'
import { UserError } from '../errors.js'

// Docker contexts as the docker CLI keeps them (docker/cli cli/context/store): under the Docker
// config folder, contexts/meta/<sha256 of the name>/meta.json holds the name and the endpoints,
// contexts/tls/<sha256 of the name>/docker/{ca,cert,key}.pem the docker endpoint's TLS material.

/** The context that means "no context": DOCKER_HOST, else the local socket (dockerode's own defaults). */
const DEFAULT_CONTEXT = 'default'

/** What chose the context, in the docker CLI's order: --context, DOCKER_HOST, DOCKER_CONTEXT, currentContext, nothing. */
type ContextSource = '--context' | 'DOCKER_HOST' | 'DOCKER_CONTEXT' | 'currentContext' | 'nothing'

export interface ContextChoice {
  name: string
  source: ContextSource
  /** The Docker config file that named it (source currentContext), for messages. */
  file?: string
}

/** A stored context's docker endpoint, as read from the store. */
export interface StoredContext {
  name: string
  /** Its meta.json, for messages. */
  file: string
  /** `tcp://…`, `unix://…`, `ssh://…`; the local socket when the context names none. */
  host: string
  skipTLSVerify: boolean
  /** The files of its tls/…/docker folder; undefined when it has none (then plain TCP unless skipTLSVerify). */
  tls?: { ca?: Buffer; cert?: Buffer; key?: Buffer }
}

/** dockerode's options, plus the two docker-modem reads that its types leave out. */
export type EndpointOptions = DockerOptions & { agent?: Agent; pathPrefix?: string }

/** Where the engine is: the context chosen, its address (for messages), and how dockerode reaches it. */
export interface EngineEndpoint {
  choice: ContextChoice
  host: string
  /** For a stored context; undefined for `default`, where dockerode reads DOCKER_HOST itself. */
  options?: EndpointOptions
}

const LOCAL_SOCKET = 'unix:///var/run/docker.sock'

/** $DOCKER_CONFIG, else ~/.docker: the folder of config.json and contexts/. */
export function dockerConfigDir(env: NodeJS.ProcessEnv): string {
  return env.DOCKER_CONFIG || path.join(os.homedir(), '.docker')
}

/** The folder name a context is stored under: the sha256 of its name, in hex. */
export function contextId(name: string): string {
  return createHash('sha256').update(name).digest('hex')
}

/**
 * The context to use, as the docker CLI resolves it: --context; else `default` when DOCKER_HOST is
 * set; else DOCKER_CONTEXT; else currentContext in the Docker config file; else `default`. The
 * config file is read only when the first three say nothing. Empty values count as unset.
 */
export async function chooseContext(flag: string | undefined, env: NodeJS.ProcessEnv): Promise<ContextChoice> {
  if (flag) return { name: flag, source: '--context' }
  if (env.DOCKER_HOST) return { name: DEFAULT_CONTEXT, source: 'DOCKER_HOST' }
  if (env.DOCKER_CONTEXT) return { name: env.DOCKER_CONTEXT, source: 'DOCKER_CONTEXT' }
  const { file, config } = await readDockerConfig(env)
  const current = (config as { currentContext?: unknown } | undefined)?.currentContext
  if (current !== undefined && current !== null && typeof current !== 'string') {
    throw new UserError(`the Docker config ${file} has a currentContext that is not a name: ${JSON.stringify(current)}`, {
      hint: 'make it a context name ("currentContext": "NAME"), or remove it (`docker context use default` does)',
    })
  }
  return current ? { name: current, source: 'currentContext', file } : { name: DEFAULT_CONTEXT, source: 'nothing' }
}

/** The chosen context's endpoint: `default` is DOCKER_HOST or the local socket, any other is read from the store. */
export async function resolveEndpoint(flag: string | undefined, env: NodeJS.ProcessEnv): Promise<EngineEndpoint> {
  const choice = await chooseContext(flag, env)
  if (choice.name === DEFAULT_CONTEXT) return { choice, host: env.DOCKER_HOST || LOCAL_SOCKET }
  const stored = await readContext(dockerConfigDir(env), choice)
  return { choice, host: stored.host, options: endpointOptions(stored, env) }
}

/** How the choice came about, for messages: `chosen by --context`. */
export function chosenBy(choice: ContextChoice): string {
  return choice.source === 'currentContext' ? `the currentContext in ${choice.file}` : `chosen by ${choice.source}`
}

/** How to pick another context, worded for what chose this one. */
export function otherContextHint(choice: ContextChoice): string {
  if (choice.source === 'DOCKER_CONTEXT') return 'set DOCKER_CONTEXT to another context (`docker context ls` lists them), or unset it'
  if (choice.source === 'currentContext') return '`docker context use NAME` (`docker context use default`: the local socket), or --context NAME for one run'
  return 'pass another --context NAME (`docker context ls` lists them; --context default: DOCKER_HOST or the local socket)'
}

/** One context from the store under `configDir`; an unknown name is an error listing the known ones. */
export async function readContext(configDir: string, choice: ContextChoice): Promise<StoredContext> {
  const id = contextId(choice.name)
  const file = path.join(configDir, 'contexts', 'meta', id, 'meta.json')
  const broken = (what: string, cause?: unknown) =>
    new UserError(`the Docker context "${choice.name}" (${chosenBy(choice)}) cannot be used: ${file} ${what}`, {
      hint: `fix the file, or create the context again: \`docker context rm ${choice.name}\`, then \`docker context create ${choice.name} --docker host=…\``,
      cause,
    })
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code
    if (code === 'ENOENT' || code === 'ENOTDIR') throw await unknownContext(configDir, choice)
    throw broken(`cannot be read (${code ?? (e as Error).message})`, e)
  }
  let meta: unknown
  try {
    meta = JSON.parse(text)
  } catch (e) {
    throw broken(`is not valid JSON: ${(e as Error).message}`, e)
  }
  const docker = field(field(meta, 'Endpoints'), 'docker')
  if (!isObject(docker)) throw broken('has no docker endpoint (Endpoints.docker)')
  const host = field(docker, 'Host') ?? ''
  const skip = field(docker, 'SkipTLSVerify') ?? false
  if (typeof host !== 'string' || typeof skip !== 'boolean') throw broken('has an Endpoints.docker whose Host is not a string or whose SkipTLSVerify is not true/false')
  const tls = await readTLS(path.join(configDir, 'contexts', 'tls', id, 'docker'), choice)
  return { name: choice.name, file, host: host || LOCAL_SOCKET, skipTLSVerify: skip, tls }
}

/** The docker endpoint's TLS files, read as the docker CLI does: the folder's presence means TLS. */
async function readTLS(dir: string, choice: ContextChoice): Promise<StoredContext['tls']> {
  let names: string[]
  try {
    names = await readdir(dir)
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw tlsError(dir, choice, e)
  }
  const tls: NonNullable<StoredContext['tls']> = {}
  for (const key of ['ca', 'cert', 'key'] as const) {
    if (!names.includes(`${key}.pem`)) continue
    try {
      tls[key] = await readFile(path.join(dir, `${key}.pem`))
    } catch (e) {
      throw tlsError(path.join(dir, `${key}.pem`), choice, e)
    }
  }
  return tls
}

function tlsError(file: string, choice: ContextChoice, cause: unknown): UserError {
  return new UserError(`cannot read ${file} (${(cause as NodeJS.ErrnoException).code ?? (cause as Error).message}), the TLS material of the Docker context "${choice.name}"`, {
    hint: 'fix its permissions, or choose another context',
    cause,
  })
}

/** The names in the store, sorted; a meta.json that cannot be read is left out. */
export async function listContexts(configDir: string): Promise<string[]> {
  const root = path.join(configDir, 'contexts', 'meta')
  const ids = await readdir(root).catch(() => [] as string[])
  const names = await Promise.all(
    ids.map(async (id) => {
      try {
        const name = field(JSON.parse(await readFile(path.join(root, id, 'meta.json'), 'utf8')), 'Name')
        return typeof name === 'string' && name ? [name] : []
      } catch {
        return []
      }
    }),
  )
  return names.flat().sort((a, b) => a.localeCompare(b))
}

async function unknownContext(configDir: string, choice: ContextChoice): Promise<UserError> {
  const known = [DEFAULT_CONTEXT, ...(await listContexts(configDir))]
  return new UserError(`there is no Docker context "${choice.name}" (${chosenBy(choice)}); the contexts are: ${known.join(', ')}`, {
    hint: `create it: \`docker context create ${choice.name} --docker host=tcp://HOST:2375\` (or host=ssh://USER@HOST), or ${otherContextHint(choice)}`,
  })
}

/**
 * dockerode's options for a stored context. Every key docker-modem could take from DOCKER_HOST is
 * given, undefined if unused: docker-modem lays the options over what it reads from the
 * environment, and a DOCKER_HOST left set must not leak a host or certificates into a context.
 */
export function endpointOptions(ctx: StoredContext, env: NodeJS.ProcessEnv): EndpointOptions {
  const blank: EndpointOptions = { socketPath: undefined, host: undefined, port: undefined, protocol: undefined, username: undefined, ca: undefined, cert: undefined, key: undefined, agent: undefined, pathPrefix: undefined }
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(ctx.host)?.[1].toLowerCase()
  if (scheme === 'unix' || scheme === 'npipe') return { ...blank, socketPath: ctx.host.slice(scheme.length + 3) || '/var/run/docker.sock' }
  let url: URL | undefined
  try {
    url = new URL(ctx.host)
  } catch {
    url = undefined
  }
  const hostname = url?.hostname.replace(/^\[(.*)\]$/, '$1')
  if (url && hostname && scheme === 'ssh') {
    return { ...blank, protocol: 'ssh', host: hostname, port: url.port || 22, username: decodeURIComponent(url.username) || undefined, sshOptions: { agent: env.SSH_AUTH_SOCK } }
  }
  if (url && hostname && (scheme === 'tcp' || scheme === 'http' || scheme === 'https')) {
    // As the docker CLI: TLS when the context has TLS material or skips verification (https:// asks for it too).
    const tls = scheme === 'https' || ctx.tls !== undefined || ctx.skipTLSVerify
    const pair = ctx.tls?.cert && ctx.tls.key ? { cert: ctx.tls.cert, key: ctx.tls.key } : {}
    return {
      ...blank,
      protocol: tls ? 'https' : 'http',
      host: hostname,
      port: url.port || (tls ? 2376 : 2375),
      pathPrefix: url.pathname || '/',
      ...(tls ? { ca: ctx.tls?.ca, ...pair } : {}),
      // SkipTLSVerify: an agent that accepts any certificate (its options win over each request's).
      agent: tls && ctx.skipTLSVerify ? new Agent({ rejectUnauthorized: false }) : undefined,
    }
  }
  throw new UserError(`the Docker context "${ctx.name}" has an endpoint this tool cannot reach: ${ctx.host} (in ${ctx.file})`, {
    hint: 'contexts with a unix://, tcp:// or ssh:// docker endpoint work; choose another context',
  })
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

/** A JSON field as Go's encoding/json finds it: the exact key, else one that differs only in case. */
function field(obj: unknown, key: string): unknown {
  if (!isObject(obj)) return undefined
  if (key in obj) return obj[key]
  const match = Object.keys(obj).find((k) => k.toLowerCase() === key.toLowerCase())
  return match === undefined ? undefined : obj[match]
}
