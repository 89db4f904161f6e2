import { execFile } from 'node:child_process'
import { readFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { promisify } from 'node:util'
import type { RegistryAuth } from './docker/push.js'
import { UserError } from './errors.js'
import type { GitState } from './version.js'
import { isValidTag } from './version.js'

/** A branch name as a Docker tag: `feature/Login` → `feature-login`. */
export function branchTag(branch: string): string | undefined {
  const t = branch.toLowerCase().replace(/[^a-z0-9_.-]+/g, '-').replace(/^[-.]+|-+$/g, '').slice(0, 128)
  return t && isValidTag(t) ? t : undefined
}

/**
 * The tags a release gets: the commit (`-dirty` when tracked files changed), the branch, and the
 * extra tags given on the command line (like `make release v1 stable`). Invalid extras are errors.
 */
export function releaseTags(git: GitState | undefined, branch: string | undefined, extra: string[]): string[] {
  for (const t of extra) {
    if (!isValidTag(t)) {
      throw new UserError(`"${t}" is not a valid image tag`, { hint: 'tags are 1-128 of letters, digits, _ . - and do not start with . or -' })
    }
  }
  const tags = [...(git ? [git.dirty ? `${git.sha}-dirty` : git.sha] : []), ...(branch ? [branchTag(branch)].filter((t): t is string => Boolean(t)) : []), ...extra]
  return [...new Set(tags)]
}

const run = promisify(execFile)

export async function readBranch(root: string): Promise<string | undefined> {
  try {
    const b = (await run('git', ['-C', root, 'rev-parse', '--abbrev-ref', 'HEAD'])).stdout.trim()
    return b && b !== 'HEAD' ? b : undefined // HEAD: a detached checkout has no branch
  } catch {
    return undefined // not a git work tree
  }
}

interface DockerConfigFile {
  auths?: Record<string, { auth?: string; username?: string; password?: string; identitytoken?: string }>
}

/**
 * Credentials for `registry`: PYPACKAGE_REGISTRY_USERNAME/PASSWORD from the environment first,
 * else the Docker config file's `auths` entry (what `docker login` writes). Pure.
 */
export function registryAuth(registry: string, env: NodeJS.ProcessEnv, config: DockerConfigFile | undefined): RegistryAuth {
  if (env.PYPACKAGE_REGISTRY_USERNAME && env.PYPACKAGE_REGISTRY_PASSWORD) {
    return { username: env.PYPACKAGE_REGISTRY_USERNAME, password: env.PYPACKAGE_REGISTRY_PASSWORD, serveraddress: registry }
  }
  const entry = config?.auths?.[registry] ?? config?.auths?.[`https://${registry}`] ?? config?.auths?.[`http://${registry}`]
  if (entry?.identitytoken) return { identitytoken: entry.identitytoken, serveraddress: registry }
  if (entry?.auth) {
    const decoded = Buffer.from(entry.auth, 'base64').toString('utf8')
    const colon = decoded.indexOf(':')
    return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1), serveraddress: registry }
  }
  if (entry?.username && entry.password) return { username: entry.username, password: entry.password, serveraddress: registry }
  return { serveraddress: registry }
}

export async function readDockerConfig(env: NodeJS.ProcessEnv = process.env): Promise<DockerConfigFile | undefined> {
  const file = path.join(env.DOCKER_CONFIG ?? path.join(os.homedir(), '.docker'), 'config.json')
  try {
    return JSON.parse(await readFile(file, 'utf8')) as DockerConfigFile
  } catch {
    return undefined // no docker login on this machine: anonymous push
  }
}
