import path from 'node:path'
import type { Config } from '../config/schema.js'
import { UserError } from '../errors.js'

/** The tasks that run the release container, each with its own "hardening.<task>" switch. */
export type HardenedTask = 'run' | 'smoke' | 'start'

/**
 * Where the release image lets the app write (docker/release/Dockerfile creates both, owned by
 * the app user): sqlite files and the like in /app/data, Flask's instance folder of an installed
 * package in /appenv/var. /tmp is a tmpfs besides.
 */
export const DATA_FOLDERS = ['/app/data', '/appenv/var']

/** The container spec's `hardened` for a task, or undefined when the config turns it off. */
export function hardeningFor(config: Config, task: HardenedTask): { writable: string[] } | undefined {
  const { hardening } = config
  if (!hardening[task]) return undefined
  hardening.writable.forEach((folder, i) => {
    if (!path.posix.isAbsolute(folder) || folder === '/' || folder.includes(':')) {
      throw new UserError(`"hardening.writable[${i}]" is ${JSON.stringify(folder)}, not an absolute folder in the container`, {
        hint: 'name each folder as the container sees it, e.g. "/app/cache" (the root itself cannot be one)',
      })
    }
  })
  return { writable: [...new Set([...DATA_FOLDERS, ...hardening.writable.map((f) => path.posix.normalize(f).replace(/\/$/, ''))])] }
}

/** Why a hardened container failed, in words a user can act on. */
export interface HardeningFailure {
  /** Fits after "the app …: " — names what the app did and the restriction it met. */
  cause: string
  /** Where to write instead, and the keys that relax it. */
  hint: string
}

// Python's OSError for EROFS (`[Errno 30] Read-only file system: '/app/x'`), a shell's
// (`touch: cannot touch '/app/x': Read-only file system`), sqlite's when its file is on it.
const READ_ONLY =
  /\[Errno 30\] Read-only file system(?:: '([^']+)')?|cannot (?:touch|create|mkdir|make directory) '([^']+)': Read-only file system|Read-only file system|attempt to write a readonly database/
// EPERM: what a dropped capability allowed (chown, setuid, raw sockets), or a setuid binary
// that no-new-privileges keeps from gaining root (sudo, su).
const NOT_PERMITTED = /\[Errno 1\] Operation not permitted(?:: '([^']+)')?|Operation not permitted|effective uid is not 0/
// EACCES is a hardening failure only for a root process: without CAP_DAC_OVERRIDE root obeys
// file modes. For the app user it is the image's permissions, the same hardened or not.
const DENIED_AS_ROOT = /\[Errno 13\] Permission denied(?:: '([^']+)')?/

/**
 * A line worth keeping for diagnoseHardening: servers print long tracebacks after the one line
 * that says why (gunicorn's own, as its workers fail to boot), so a log's tail can miss it.
 */
export function isHardeningSign(line: string): boolean {
  return READ_ONLY.test(line) || NOT_PERMITTED.test(line) || DENIED_AS_ROOT.test(line)
}

/** The container's USER is root: empty, root, 0, with or without a group. */
export function isRoot(user: string): boolean {
  return /^(|root|0)(:.*)?$/.test(user)
}

/** What the diagnosis needs to know of the container: its writable folders, user, working folder. */
export interface HardenedRun {
  writable: string[]
  /** The container's USER ('' = root). */
  user: string
  /** The image's WORKDIR: a relative path in the app's error is relative to it. */
  workdir?: string
}

/**
 * The first line of `lines` (a container's output) that says the hardening stopped the app, as a
 * cause and a hint naming "hardening.<task>" and "hardening.writable". Pure.
 */
export function diagnoseHardening(lines: string[], task: HardenedTask, opts: HardenedRun): HardeningFailure | undefined {
  const off = `or run ${task === 'start' ? "the environment's app" : task === 'smoke' ? 'the smoke test' : 'it'} unhardened: "hardening": { "${task}": false } in .pypackagerc.json`
  const writable = ['/tmp', ...opts.writable].join(', ')
  for (const line of lines) {
    const ro = line.match(READ_ONLY)
    if (ro) {
      const named = ro[1] ?? ro[2]
      // Python names the path as the app gave it: `open("x.txt", "w")` says 'x.txt'.
      const file = named && opts.workdir ? path.posix.resolve(opts.workdir, named) : named
      const folder = file && path.posix.isAbsolute(file) ? path.posix.dirname(file) : undefined
      return {
        cause: `it wrote ${file ? `to ${file} ` : ''}on the read-only root filesystem (the container runs hardened, as a restricted cluster would run it)`,
        hint: `only ${writable} are writable: keep data in /app/data and scratch files in /tmp, declare ${folder ? `"${folder}"` : 'the folder'} in "hardening.writable" (the image must create it for the app's user), ${off}`,
      }
    }
    const eperm = line.match(NOT_PERMITTED)
    if (eperm) {
      return {
        cause: `an operation was not permitted${eperm[1] ? ` on ${eperm[1]}` : ''}: the container runs hardened, with every capability dropped and no privilege escalation (no-new-privileges)`,
        hint: `a cluster enforcing the restricted standard refuses the same: do it at build time in the Dockerfile (chown, setcap, users), ${off}`,
      }
    }
    const denied = isRoot(opts.user) ? line.match(DENIED_AS_ROOT) : null
    if (denied) {
      return {
        cause: `root was denied access${denied[1] ? ` to ${denied[1]}` : ''}: the container runs hardened, with every capability dropped (root no longer bypasses file permissions)`,
        hint: `run the image as its own user (USER app in the Dockerfile, as a restricted cluster requires), ${off}`,
      }
    }
  }
  return undefined
}
