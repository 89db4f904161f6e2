/**
 * How the builder container sees the host: where the sources, their file lists, the wheelhouse,
 * the find-links folders and pip's cache are in it (copied in and out, or mounted where the
 * engine shares this disk: lib/docker/container-spec.ts), pip's settings as its environment, and whom its
 * files are given back to.
 */
import path from 'node:path'
import type { PipConfig } from '../config/schema.js'
import type { Project } from '../project.js'

export const MOUNT = { source: '/application', wheelhouse: '/wheelhouse', packages: '/packages', findLinks: '/find-links', previous: '/previous', pipCache: '/pip-cache', sources: '/sources' }
/** A named volume for pip's cache: downloads from an index survive between builds. */
export const PIP_CACHE_VOLUME = 'pypackage-tasks-pip-cache'

/** The pip.findLinks folders: where each is on the host and in the container. */
export function findLinksMounts(project: Project): { host: string; mount: string }[] {
  return project.config.pip.findLinks.map((f, i) => ({ host: path.resolve(project.root, f), mount: `${MOUNT.findLinks}/${i}` }))
}

/** `uid:gid` of this process: files a root container writes for us are given back to it. */
export const hostOwner = (): string | undefined => (typeof process.getuid === 'function' ? `${process.getuid()}:${process.getgid!()}` : undefined)

/** pip settings as environment for the builder container: the image itself stays index-agnostic. */
export function pipEnv(pip: PipConfig, findLinksMounts: string[]): Record<string, string> {
  const env: Record<string, string> = { PIP_DISABLE_PIP_VERSION_CHECK: '1' }
  if (pip.noIndex) env.PIP_NO_INDEX = '1'
  if (pip.indexUrl) env.PIP_INDEX_URL = pip.indexUrl
  if (pip.extraIndexUrls.length) env.PIP_EXTRA_INDEX_URL = pip.extraIndexUrls.join(' ')
  if (findLinksMounts.length) env.PIP_FIND_LINKS = findLinksMounts.join(' ')
  return env
}
