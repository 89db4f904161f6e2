/** A run's scratch folders under the project's .pypackage/, and the swap that makes their result the real folder. */
import { existsSync } from 'node:fs'
import { copyFile, link, mkdir, rename, rm, rmdir, stat } from 'node:fs/promises'
import path from 'node:path'
import type { Project } from '../project.js'
import { UserError } from '../errors.js'

/** A fresh folder for one run's work under the project's .pypackage/ (removeStaging takes it away). */
export async function makeStaging(project: Project, name: string, runId: string): Promise<string> {
  const dir = path.join(project.root, '.pypackage', `${name}-${runId}`)
  await mkdir(dir, { recursive: true })
  return dir
}

export async function removeStaging(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true })
  // .pypackage/ only when empty: another run may be using it (ENOTEMPTY is the expected refusal).
  await rmdir(path.dirname(dir)).catch(() => undefined)
}

/** Put `next` where `target` is with two renames; the old folder is moved aside, then deleted. */
export async function replaceDir(target: string, next: string, aside: string): Promise<void> {
  await mkdir(path.dirname(target), { recursive: true })
  const had = existsSync(target)
  if (had) await rename(target, aside)
  try {
    await rename(next, target)
  } catch (e) {
    if (had) await rename(aside, target)
    throw e
  }
  if (had) await rm(aside, { recursive: true, force: true })
}

/**
 * `from` at `to`: a hard link (the wheelhouse and the staging folder are both under the project),
 * else a copy. A wheel gone from the wheelhouse meanwhile is one error, not a failed link.
 */
export async function linkOrCopy(from: string, to: string): Promise<void> {
  await stat(from).catch((e: NodeJS.ErrnoException) => {
    throw new UserError(`the wheelhouse changed during the build: ${from} is gone (${e.code})`, { hint: 'run the build again' })
  })
  await link(from, to).catch(() => copyFile(from, to))
}
