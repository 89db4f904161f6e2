import { execFile } from 'node:child_process'
import { promisify } from 'node:util'

const run = promisify(execFile)

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
    const [{ stdout: sha }, { stdout: status }] = await Promise.all([
      run('git', ['-C', root, 'rev-parse', '--short=7', 'HEAD']),
      run('git', ['-C', root, 'status', '--porcelain', '--untracked-files=no']),
    ])
    return { state: { sha: sha.trim(), dirty: status.trim().length > 0 } }
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

/** OCI image annotations (org.opencontainers.image.*) for an image we build. */
export function ociLabels(opts: { title: string; version?: string; revision?: string; dirty?: boolean; source?: string; created: Date }): Record<string, string> {
  const labels: Record<string, string> = {
    'org.opencontainers.image.title': opts.title,
    'org.opencontainers.image.created': opts.created.toISOString(),
  }
  if (opts.source) labels['org.opencontainers.image.source'] = opts.source
  if (opts.revision) labels['org.opencontainers.image.revision'] = opts.dirty ? `${opts.revision}-dirty` : opts.revision
  if (opts.version) labels['org.opencontainers.image.version'] = opts.version
  return labels
}

/**
 * The version tag of an image: the commit (`-dirty` when tracked files changed, so a tag never
 * claims a commit it does not hold), or outside git `c` + 12 hex of the build inputs' hash.
 */
export function versionTag(git: GitState | undefined, contentHash: string): string {
  if (git) return git.dirty ? `${git.sha}-dirty` : git.sha
  return `c${contentHash.slice(0, 12)}`
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
