import { UserError } from './errors.js'
import { withDirty, type GitState } from './git.js'
import { DEFAULT_PYTHON } from './python.js'

// Image names and tags: what an image is called, from git or from its content.

/**
 * What a Python other than the default adds to a version tag: `-py3.13`. The default's tags stay
 * as they always were; another Python's images get tags of their own, so both stay on the engine
 * side by side (trying 3.13 in a dirty tree does not take 3.11's `<sha>-dirty`), and switching back
 * finds the other's images up to date.
 */
export function pythonSuffix(python: string | undefined): string {
  return python && python !== DEFAULT_PYTHON ? `-py${python}` : ''
}

/**
 * The version tag of an image: the commit (`-dirty` when tracked files changed, so a tag never
 * claims a commit it does not hold), or outside git `c` + 12 hex of the build inputs' hash; then
 * the Python's suffix (`python`: the image's Python, none for an image that has no Python of the app's).
 */
export function versionTag(git: GitState | undefined, contentHash: string, python?: string): string {
  return `${git ? withDirty(git.sha, git.dirty) : `c${contentHash.slice(0, 12)}`}${pythonSuffix(python)}`
}

/** A Docker tag is 1-128 of [A-Za-z0-9_.-], not starting with . or -. */
export function isValidTag(tag: string): boolean {
  return /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/.test(tag)
}

/** Docker repository names: lower case; turn a Python distribution name into one. */
export function toImageName(name: string): string {
  return (
    name
      .toLowerCase()
      .replace(/[^a-z0-9._-]+/g, '-')
      .replace(/^[^a-z0-9]+|[^a-z0-9]+$/g, '') || 'app'
  )
}

/** A branch name as a Docker tag: `feature/Login` → `feature-login`. */
export function branchTag(branch: string): string | undefined {
  const t = branch
    .toLowerCase()
    .replace(/[^a-z0-9_.-]+/g, '-')
    .replace(/^[-.]+|-+$/g, '')
    .slice(0, 128)
  return t && isValidTag(t) ? t : undefined
}

/**
 * The tags a release gets: the commit (`-dirty` when tracked files changed; with the Python's
 * suffix, as its version tag), the branch, and the extra tags given on the command line (like
 * `make release v1 stable`). Branch and extra tags name the newest release whatever its Python,
 * as `latest` does. Invalid extras are errors.
 */
export function releaseTags(git: GitState | undefined, branch: string | undefined, extra: string[], python?: string): string[] {
  for (const t of extra) {
    if (!isValidTag(t)) {
      throw new UserError(`"${t}" is not a valid image tag`, { hint: 'tags are 1-128 of letters, digits, _ . - and do not start with . or -' })
    }
  }
  const tags = [...(git ? [withDirty(git.sha, git.dirty) + pythonSuffix(python)] : []), ...(branch ? [branchTag(branch)].filter((t): t is string => Boolean(t)) : []), ...extra]
  return [...new Set(tags)]
}
