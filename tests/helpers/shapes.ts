import { createHash } from 'node:crypto'
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { repoRoot, runCli, type CliResult } from './cli.js'
import { removeProject } from './engine.js'

export const pyindex = path.join(repoRoot, '.cache/pyindex')

/** A copy of one tests/fixtures/shapes/<name> project, adopted as a user would: init, then config. */
export interface ShapeProject {
  dir: string
  /** The label value on everything the tool creates for it. */
  project: string
  cli(args: string[]): Promise<CliResult>
  /** Merge keys into .pypackagerc.json (objects one level deep). */
  configure(extra: Record<string, unknown>): void
  remove(): Promise<void>
}

export function copyShape(name: string, namespace: string): ShapeProject {
  const dir = mkdtempSync(path.join(os.tmpdir(), `pptest-${name}-`))
  cpSync(path.join(repoRoot, 'tests/fixtures/shapes', name), dir, { recursive: true })
  const configFile = path.join(dir, '.pypackagerc.json')
  const read = () => JSON.parse(readFileSync(configFile, 'utf8')) as Record<string, unknown>
  const shape: ShapeProject = {
    dir,
    project: '',
    cli: (args) => runCli(args, { cwd: dir, timeoutMs: 300_000 }),
    configure(extra) {
      // The namespace is ours, so parallel runs and the user's own images never meet.
      const config: Record<string, unknown> = { ...read(), namespace }
      for (const [k, v] of Object.entries(extra)) {
        config[k] = v && typeof v === 'object' && !Array.isArray(v) ? { ...(config[k] as object), ...v } : v
      }
      writeFileSync(configFile, JSON.stringify(config, null, 2))
      shape.project = `${config.namespace as string}/${config.app as string}`
    },
    async remove() {
      if (shape.project) await removeProject(shape.project)
      rmSync(dir, { recursive: true, force: true })
    },
  }
  return shape
}

/** The wheels of the offline index by normalized name and version (a local `+repack` suffix ignored). */
export function indexWheels(): Map<string, { file: string; sha256: string }> {
  const out = new Map<string, { file: string; sha256: string }>()
  for (const file of readdirSync(pyindex).filter((f) => f.endsWith('.whl'))) {
    const [name, version] = file.split('-')
    const key = `${name.toLowerCase().replace(/[-_.]+/g, '-')}==${version.replace(/\+.*/, '')}`
    out.set(key, {
      file,
      sha256: createHash('sha256')
        .update(readFileSync(path.join(pyindex, file)))
        .digest('hex'),
    })
  }
  return out
}

/**
 * Each `[[package]]` block of a lock, with the offline index's wheel of its name and version (and
 * that wheel's sha256, spoiled when the package is `tamper`) when the index has it.
 */
function fillLock(lockFile: string, tamper: string | undefined, fill: (block: string, file: string, sha256: string) => string): void {
  const wheels = indexWheels()
  const blocks = readFileSync(lockFile, 'utf8').split(/^(?=\[\[package\]\])/m)
  const filled = blocks.map((block) => {
    const name = block.match(/^name = "([^"]+)"/m)?.[1]
    const version = block.match(/^version = "([^"]+)"/m)?.[1]
    const wheel = name && version ? wheels.get(`${name.toLowerCase().replace(/[-_.]+/g, '-')}==${version}`) : undefined
    return wheel ? fill(block, wheel.file, name === tamper ? '0'.repeat(64) : wheel.sha256) : block
  })
  writeFileSync(lockFile, filled.join(''))
}

/**
 * Fill a poetry.lock's `files = []` with the offline index's wheels and their sha256, as `poetry
 * lock` against that index would write them. The committed fixture has none, as a lock may: the
 * index repacks each .deb into the same bytes, but the .debs are what Debian's archive serves that
 * day, so no committed hash would stay true. `tamper` names a package whose hash is spoiled.
 */
export function fillPoetryHashes(lockFile: string, tamper?: string): void {
  fillLock(lockFile, tamper, (block, file, sha) => block.replace(/^files = \[\]$/m, `files = [\n    {file = "${file}", hash = "sha256:${sha}"},\n]`))
}

/** The same for a uv.lock: a `wheels` list (url and hash) after each registry package's `source`. */
export function fillUvHashes(lockFile: string, tamper?: string): void {
  fillLock(lockFile, tamper, (block, file, sha) => block.replace(/^(source = \{ registry = [^\n]*)$/m, `$1\nwheels = [\n    { url = "https://files.example.org/${file}", hash = "sha256:${sha}" },\n]`))
}
