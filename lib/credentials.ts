import { execFile } from 'node:child_process'
import { readFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { registryHost, type RegistryAuth } from './docker/push.js'
import { UserError, interrupted, isUserError } from './errors.js'

// Registry credentials as the docker CLI finds them: environment, credential helpers, the Docker config file.

export interface DockerConfigFile {
  auths?: Record<string, { auth?: string; username?: string; password?: string; identitytoken?: string }>
  /** A docker-credential-<name> helper for every registry. */
  credsStore?: string
  /** A docker-credential-<name> helper per registry key: wins over credsStore. */
  credHelpers?: Record<string, string>
}

/** The Docker config as read: its path (for messages) and contents (undefined: no file). */
export interface DockerConfig {
  file: string
  config?: DockerConfigFile
}

/** Docker Hub's key in the Docker config and towards helpers (what `docker login` uses for it). */
export const dockerHubKey = 'https://index.docker.io/v1/'

/** The key credentials for `registry` are kept under, as the docker CLI looks them up. */
export function registryKey(registry: string): string {
  const host = registryHost(registry.replace(/^https?:\/\//, ''))
  return host === 'docker.io' ? dockerHubKey : host
}

/** The `auths` entry for `key`: exact, else one whose key names the same host (`https://h/v1/`, as the CLI accepts). */
function authsEntry(config: DockerConfigFile | undefined, key: string) {
  const auths = config?.auths ?? {}
  if (auths[key]) return auths[key]
  const host = key === dockerHubKey ? 'index.docker.io' : key
  const match = Object.keys(auths).find((k) => k.replace(/^https?:\/\//, '').split('/')[0] === host)
  return match ? auths[match] : undefined
}

/**
 * Credentials for `registry` without running anything: PYPACKAGE_REGISTRY_USERNAME/PASSWORD from
 * the environment first, else the Docker config file's `auths` entry (what `docker login` writes
 * when no helper is set). Pure.
 */
export function registryAuth(registry: string, env: NodeJS.ProcessEnv, config: DockerConfigFile | undefined): RegistryAuth {
  const key = registryKey(registry)
  const serveraddress = key === dockerHubKey ? key : registry
  if (env.PYPACKAGE_REGISTRY_USERNAME && env.PYPACKAGE_REGISTRY_PASSWORD) {
    return { username: env.PYPACKAGE_REGISTRY_USERNAME, password: env.PYPACKAGE_REGISTRY_PASSWORD, serveraddress }
  }
  const entry = authsEntry(config, key)
  if (entry?.identitytoken) return { identitytoken: entry.identitytoken, serveraddress }
  if (entry?.auth) {
    const decoded = Buffer.from(entry.auth, 'base64').toString('utf8')
    const colon = decoded.indexOf(':')
    return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1), serveraddress }
  }
  if (entry?.username && entry.password) return { username: entry.username, password: entry.password, serveraddress }
  return { serveraddress }
}

/** The credential helper the docker CLI would run for `registry`: credHelpers' entry, else credsStore. Pure. */
export function credentialHelper(registry: string, config: DockerConfigFile | undefined): { name: string; setting: 'credHelpers' | 'credsStore' } | undefined {
  const own = config?.credHelpers?.[registryKey(registry)]
  if (own) return { name: own, setting: 'credHelpers' }
  return config?.credsStore ? { name: config.credsStore, setting: 'credsStore' } : undefined
}

/** What a docker-credential-* helper answers to `get`: its exit code and both streams. */
export type RunHelper = (program: string, serverKey: string, signal?: AbortSignal) => Promise<{ code: number | null; stdout: string; stderr: string }>

/** Runs `program get` with the server key on stdin, as the docker CLI does; bounded, a helper may hang on a locked keyring. */
export const runHelper: RunHelper = (program, serverKey, signal) =>
  new Promise((resolve, reject) => {
    const child = execFile(program, ['get'], { timeout: 60_000, signal }, (error, stdout, stderr) => {
      const e = error as (NodeJS.ErrnoException & { code?: unknown; killed?: boolean }) | null
      if (signal?.aborted) reject(interrupted(signal))
      else if (e?.code === 'ENOENT' || e?.killed) reject(e)
      else resolve({ code: typeof e?.code === 'number' ? e.code : e ? 1 : 0, stdout, stderr })
    })
    child.stdin?.on('error', () => undefined) // a helper that exits without reading stdin
    child.stdin?.end(serverKey)
  })

export interface ResolvedAuth {
  auth: RegistryAuth
  /** Where the credentials came from, in words for messages; for none, the helper that had none, if one was asked. */
  from?: string
}

/**
 * Credentials for `registry` as the docker CLI finds them, after PYPACKAGE_REGISTRY_USERNAME/PASSWORD:
 * a credential helper (credHelpers for this registry, else credsStore) when the config names one,
 * and then only the helper; otherwise the `auths` entry. A helper that has nothing for the registry
 * ("credentials not found") means anonymous, as for the CLI; one that is missing or fails is an error.
 */
export async function resolveRegistryAuth(registry: string, env: NodeJS.ProcessEnv, docker: DockerConfig, opts: { run?: RunHelper; signal?: AbortSignal } = {}): Promise<ResolvedAuth> {
  const direct = registryAuth(registry, env, docker.config)
  if (env.PYPACKAGE_REGISTRY_USERNAME && env.PYPACKAGE_REGISTRY_PASSWORD) return { auth: direct, from: 'PYPACKAGE_REGISTRY_USERNAME/PYPACKAGE_REGISTRY_PASSWORD' }
  const key = registryKey(registry)
  const helper = credentialHelper(registry, docker.config)
  if (!helper) return { auth: direct, from: direct.username || direct.identitytoken ? `the "auths" entry for ${key} in ${docker.file}` : undefined }
  const program = `docker-credential-${helper.name}`
  const where = `${helper.setting} in ${docker.file}`
  let answer: Awaited<ReturnType<RunHelper>>
  try {
    answer = await (opts.run ?? runHelper)(program, key, opts.signal)
  } catch (e) {
    if (isUserError(e)) throw e // interrupted
    const missing = (e as NodeJS.ErrnoException).code === 'ENOENT'
    throw new UserError(missing ? `the Docker config names the credential helper ${program}, and it was not found on PATH` : `the credential helper ${program} did not answer within 60 s`, {
      hint: `${missing ? `install ${program}` : `check ${program} (a locked keyring?)`}, or remove "${helper.name}" from ${where}; PYPACKAGE_REGISTRY_USERNAME and PYPACKAGE_REGISTRY_PASSWORD, when set, are used instead`,
      cause: e,
    })
  }
  const from = `${program} (${where})`
  const said = (answer.stdout.trim() || answer.stderr.trim()).split('\n')[0]
  if (answer.code !== 0) {
    if (/credentials not found/i.test(said)) return { auth: { serveraddress: direct.serveraddress }, from }
    throw new UserError(`the credential helper ${program} failed for ${key}${said ? `: ${said}` : ` (exit code ${answer.code})`}`, {
      hint: `run \`echo ${key} | ${program} get\` to see it fail, fix it, or remove "${helper.name}" from ${where}`,
    })
  }
  let creds: { ServerURL?: string; Username?: string; Secret?: string }
  try {
    creds = JSON.parse(answer.stdout) as typeof creds
  } catch (e) {
    throw new UserError(`the credential helper ${program} gave no JSON for ${key}: ${said}`, {
      hint: `a helper answers \`get\` with {"ServerURL", "Username", "Secret"}: check ${program}, or remove "${helper.name}" from ${where}`,
      cause: e,
    })
  }
  const serveraddress = creds.ServerURL || direct.serveraddress
  if (!creds.Secret) return { auth: { serveraddress }, from }
  // "<token>" as the user name: the secret is an identity token (an OAuth refresh token), not a password.
  if (creds.Username === '<token>') return { auth: { identitytoken: creds.Secret, serveraddress }, from }
  return { auth: { username: creds.Username ?? '', password: creds.Secret, serveraddress }, from }
}

/** DOCKER_CONFIG's config.json, else ~/.docker/config.json, as the docker CLI reads it. */
export async function readDockerConfig(env: NodeJS.ProcessEnv = process.env): Promise<DockerConfig> {
  const file = path.join(env.DOCKER_CONFIG || path.join(os.homedir(), '.docker'), 'config.json')
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { file } // no docker login on this machine
    throw new UserError(`cannot read the Docker config ${file}: ${(e as Error).message}`, { hint: 'fix its permissions, or point DOCKER_CONFIG at another folder', cause: e })
  }
  try {
    return { file, config: JSON.parse(text) as DockerConfigFile }
  } catch (e) {
    throw new UserError(`the Docker config ${file} is not valid JSON: ${(e as Error).message}`, { hint: 'fix it (docker login rewrites it), or point DOCKER_CONFIG at another folder', cause: e })
  }
}
