import { execFile } from 'node:child_process'
import { promisify } from 'node:util'

// What git says about the project: read here only.
const run = promisify(execFile)

/** The one -dirty rule: a name (tag, revision) for a tree whose tracked files differ from the commit says so. */
export const withDirty = (ref: string, dirty: boolean | undefined): string => (dirty ? `${ref}-dirty` : ref)

export interface GitState {
  sha: string
  dirty: boolean
}

/** What git says about the project folder. */
export interface GitRead {
  /** The short commit and whether tracked files differ from it; absent outside a readable work tree. */
  state?: GitState
  /** git refuses the checkout (another user owns it): the folder, and the command that trusts it. */
  untrusted?: { repo: string; fix: string }
}

/**
 * The project's git state. Outside a git work tree (no commit yet, no git) there is none and
 * nothing to say: images get content tags. A checkout git refuses to read because another user
 * owns it ("detected dubious ownership") also gets content tags, but with a warning naming the fix.
 */
export async function readGit(root: string): Promise<GitRead> {
  try {
    // One git for both (every run reads them): the commit abbreviated as `rev-parse --short=7` does
    // (7 hex digits, more when ambiguous), `-dirty` when tracked files differ from it; no tag names.
    const { stdout } = await run('git', ['-C', root, 'describe', '--always', '--dirty', '--abbrev=7', '--exclude=*'])
    const [, sha, dirty] = /^([0-9a-f]+)(-dirty)?$/.exec(stdout.trim()) ?? []
    if (!sha) return {} // not the answer asked for: content tags
    return { state: { sha, dirty: Boolean(dirty) } }
  } catch (e) {
    const refused = String((e as { stderr?: unknown }).stderr ?? '').match(/detected dubious ownership in repository at '([^']*)'/)
    if (!refused) return {} // not a git work tree, no commit yet, or no git: content tags
    const repo = refused[1]
    // A path as one shell word, so the fix can be pasted as it is.
    const word = /^[\w@%+=:,./-]+$/.test(repo) ? repo : `'${repo.replace(/'/g, `'\\''`)}'`
    return { untrusted: { repo, fix: `git config --global --add safe.directory ${word}` } }
  }
}

/**
 * The time an image says it was created: the commit's (or SOURCE_DATE_EPOCH, else 1980-01-01, as
 * the wheels' timestamps), never the wall clock — identical inputs then give the identical image.
 */
export function createdTime(commitTime: Date | undefined, env: NodeJS.ProcessEnv = process.env): Date {
  if (commitTime) return commitTime
  const epoch = Number(env.SOURCE_DATE_EPOCH)
  return new Date((Number.isFinite(epoch) && epoch > 0 ? epoch : 315532800) * 1000)
}

/** What the OCI labels say about the source: full commit, remote URL, commit time. */
export async function readGitDetails(root: string): Promise<{ revision?: string; remote?: string; time?: Date }> {
  const get = async (args: string[]) => {
    try {
      return (await run('git', ['-C', root, ...args])).stdout.trim() || undefined
    } catch {
      return undefined // no git, no commit, or no remote
    }
  }
  const [revision, remote, time] = await Promise.all([get(['rev-parse', 'HEAD']), get(['config', '--get', 'remote.origin.url']), get(['log', '-1', '--format=%ct'])])
  return { revision, remote, time: time ? new Date(Number(time) * 1000) : undefined }
}

export async function readBranch(root: string): Promise<string | undefined> {
  try {
    const b = (await run('git', ['-C', root, 'rev-parse', '--abbrev-ref', 'HEAD'])).stdout.trim()
    return b && b !== 'HEAD' ? b : undefined // HEAD: a detached checkout has no branch
  } catch {
    return undefined // not a git work tree
  }
}
