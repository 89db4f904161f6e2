import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { repoRoot } from './cli.js'
import { removeProject } from './engine.js'

/** A throwaway copy of the example app, as a new user's project (no git: tags are content-derived). */
export interface ExampleProject {
  dir: string
  namespace: string
  /** The project label value on everything the tool creates: `<namespace>/pollsite`. */
  project: string
  /** The .pypackagerc.json written for it (the repository's, with this namespace and the offline index). */
  config: Record<string, unknown>
  /** Absolute path of a file in the project. */
  at(rel: string): string
  /** Write a file, creating its folders. */
  write(rel: string, text: string): void
  /** Write `<file>` (at the project root) as the config with `overrides` on top; returns the name, for --config. */
  writeConfig(file: string, overrides: Record<string, unknown>): string
  /** Remove what the tool created on the engine for this project, and the folder. */
  remove(): Promise<void>
}

export function copyExampleProject(namespace: string, tmpPrefix = 'pptest-'): ExampleProject {
  const dir = mkdtempSync(path.join(os.tmpdir(), tmpPrefix))
  for (const p of ['example', 'docker', 'Makefile', 'pypackage.mk']) cpSync(path.join(repoRoot, p), path.join(dir, p), { recursive: true })
  const config = JSON.parse(readFileSync(path.join(repoRoot, '.pypackagerc.json'), 'utf8')) as Record<string, unknown> & { pip: Record<string, unknown> }
  config.namespace = namespace
  config.pip.findLinks = [path.join(repoRoot, '.cache/pyindex')]
  delete config.$schema
  const at = (rel: string) => path.join(dir, rel)
  const write = (rel: string, text: string) => {
    mkdirSync(path.dirname(at(rel)), { recursive: true })
    writeFileSync(at(rel), text)
  }
  write('.pypackagerc.json', JSON.stringify(config, null, 2))
  const project = `${namespace}/${config.app as string}`
  return {
    dir,
    namespace,
    project,
    config,
    at,
    write,
    writeConfig(file, overrides) {
      write(file, JSON.stringify({ ...config, ...overrides }, null, 2))
      return file
    },
    async remove() {
      await removeProject(project)
      rmSync(dir, { recursive: true, force: true })
    },
  }
}
