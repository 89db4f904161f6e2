/** A pip failure in the builder, in a user's words: what went wrong, where pip looked, what to change. */
import { existsSync, readdirSync } from 'node:fs'
import type { Project } from '../project.js'
import type { Lock } from '../shape/locks.js'
import { normalizeName, requirementName } from '../shape/pyproject.js'
import { MOUNT } from './builder-mounts.js'

type Explained = { message?: string; hint: string }

/** Name a pip failure's likely cause from its output. */
export function pipHint(lines: string[]): string {
  return explainPip(lines).hint
}

/** The versions of a distribution among the wheels and sdists of local folders (pip.findLinks). */
export function versionsInFolders(folders: string[], name: string): string[] {
  const versions = new Set<string>()
  for (const dir of folders) {
    for (const f of existsSync(dir) ? readdirSync(dir) : []) {
      const m = f.match(/^([^-]+)-([^-]+?)(-.*\.whl|\.tar\.gz|\.zip)$/)
      if (m && normalizeName(m[1]) === name) versions.add(m[2])
    }
  }
  return [...versions].sort()
}

/** Where pip looks, for messages: "the find-links folder .cache/pyindex", "https://pypi.org/simple". */
export function describeIndex(project: Project): string {
  const { pip } = project.config
  const folders = pip.findLinks.length ? `the find-links folder${pip.findLinks.length > 1 ? 's' : ''} ${pip.findLinks.join(', ')}` : ''
  if (pip.noIndex) return folders || 'no index (pip.noIndex) and no find-links folder'
  return [pip.indexUrl ?? 'https://pypi.org/simple', ...pip.extraIndexUrls, folders].filter(Boolean).join(' + ')
}

/**
 * A builder failure in a user's words: our frontend's or packer's own `error:` line, a
 * requirements line pip cannot read (file:line), a version the index lacks (and what it has;
 * the lock's pin when a lock asked for it). Pure.
 */
export function explainPip(lines: string[], lock?: Lock, index = 'the package index', available: (name: string) => string[] = () => []): Explained {
  const text = lines.join('\n')
  // The first explanation that recognises the output wins: the order is the order of certainty.
  return (
    explainOwnError(lines, text) ??
    explainHashMismatch(text) ??
    explainInvalidRequirement(text) ??
    explainMissingVersion(text, lock, index) ??
    explainLockConflict(text, lock, index, available) ??
    explainOther(text)
  )
}

/** A compiler failure, or the `error:` line our frontend or packer prints about itself. */
function explainOwnError(lines: string[], text: string): Explained | undefined {
  const own = lines
    .map((l) => l.match(/^error: (.*)$/)?.[1])
    .filter(Boolean)
    .pop()
  if (/error: command '.*(gcc|cc)' failed|fatal error: .*\.h: No such file/.test(text))
    return { message: own, hint: 'a C extension failed to compile: fix the source, or add the missing headers/compiler to docker/builder/Dockerfile' }
  if (own) return { message: own, hint: "the builder's output is above" }
  return undefined
}

/** pip's hash-checking mode refused a file: the index serves other bytes than those hashed. */
function explainHashMismatch(text: string): Explained | undefined {
  if (!/DO NOT MATCH THE HASHES/.test(text)) return undefined
  const pkg = text.match(/^\s+(\S+==\S+) from /m)?.[1] ?? 'a package'
  return {
    message: `${pkg}: the file the index gave does not have the sha256 the requirements' --hash lists`,
    hint: 'the index serves another file than the one hashed: update the --hash (pip hash FILE), or point pip at the index the hashes were made from',
  }
}

/** A requirements line pip cannot read, named by file (as in the project, not the mount) and line. */
function explainInvalidRequirement(text: string): Explained | undefined {
  const invalid = text.match(/Invalid requirement: '([^']*)'.*?\(from line (\d+) of (\S+)\)/)
  if (!invalid) return undefined
  return {
    message: `${invalid[3].replace(`${MOUNT.source}/`, '')}:${invalid[2]}: pip cannot read the requirement "${invalid[1]}"`,
    hint: "fix that line (pip's requirement syntax: name, extras, version specifiers, markers, options such as -r and --hash)",
  }
}

/** A version the index lacks, and what it has; the lock's pin when a lock asked for it. */
function explainMissingVersion(text: string, lock: Lock | undefined, index: string): Explained | undefined {
  const versions = text.match(/Could not find a version that satisfies the requirement (\S+) \(from versions: ([^)]*)\)/)
  if (!versions) return undefined
  const name = requirementName(versions[1])
  const pinned = lock?.packages.find((p: { name: string }) => p.name === name)
  const listed = versions[2].trim()
  const has = listed && listed !== 'none' ? `only ${listed}` : `no ${name} at all`
  return pinned
    ? {
        message: `${lock!.file} pins ${name} ${pinned.version}, but ${index} has ${has}`,
        hint: `update the lock to what the index serves, or point pip at the index the lock was made from ("pip.indexUrl" / "pip.findLinks" in .pypackagerc.json)`,
      }
    : { message: `${index} has no ${versions[1]} (it has ${has})`, hint: `add a folder holding it to "pip.findLinks", or set "pip.indexUrl" in .pypackagerc.json` }
}

/** A lock's pin as a constraint the resolver cannot meet: pip names the conflict, not the index. */
function explainLockConflict(text: string, lock: Lock | undefined, index: string, available: (name: string) => string[]): Explained | undefined {
  const constraint = text.match(/The user requested \(constraint\) (\S+)==(\S+)/)
  const locked = constraint && lock?.packages.find((p: { name: string }) => p.name === requirementName(constraint[1]))
  if (!constraint || !locked) return undefined
  const versions = available(locked.name)
  return {
    message: `${lock!.file} pins ${locked.name} ${constraint[2]}, which pip cannot install${versions.length ? `: ${index} has only ${versions.join(', ')}` : ` from ${index}`}`,
    hint: `update the lock to what the index serves, or point pip at the index the lock was made from ("pip.indexUrl" / "pip.findLinks" in .pypackagerc.json)`,
  }
}

/** What is left: a distribution pip cannot find, no usable version, or only the output to read. */
function explainOther(text: string): Explained {
  const missing = text.match(/No matching distribution found for ([^\s]+)/)
  if (missing) return { message: `pip cannot find ${missing[1]}`, hint: `add a folder holding it to "pip.findLinks", or set "pip.indexUrl" in .pypackagerc.json` }
  if (/Could not find a version that satisfies|requires a different Python/.test(text)) return { hint: 'a dependency has no wheel or sdist usable here: check versions and "pip.findLinks"' }
  return { hint: "read pip's output above; run with --verbose for the whole log" }
}
