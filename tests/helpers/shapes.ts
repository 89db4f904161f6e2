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
 * Fill a poetry.lock's `files = []` with the offline index's wheels and their sha256, as `poetry
 * lock` against that index would write them (the fixture cannot hold them: they depend on the
 * Debian packages the index was made from). `tamper` names a package whose hash is spoiled.
 */
export function fillPoetryHashes(lockFile: string, tamper?: string): void {
  const wheels = indexWheels()
  const blocks = readFileSync(lockFile, 'utf8').split(/^(?=\[\[package\]\])/m)
  const filled = blocks.map((block) => {
    const name = block.match(/^name = "([^"]+)"/m)?.[1]
    const version = block.match(/^version = "([^"]+)"/m)?.[1]
    const wheel = name && version ? wheels.get(`${name.toLowerCase().replace(/[-_.]+/g, '-')}==${version}`) : undefined
    if (!wheel) return block
    const sha = name === tamper ? '0'.repeat(64) : wheel.sha256
    return block.replace(/^files = \[\]$/m, `files = [\n    {file = "${wheel.file}", hash = "sha256:${sha}"},\n]`)
  })
  writeFileSync(lockFile, filled.join(''))
}
