import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { repoRoot, runCli } from './cli.js'
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

/** A CI job as users run it: CI=true, not a terminal, and no NO_COLOR (the test runner sets one). */
export const asUser: NodeJS.ProcessEnv = { NO_COLOR: undefined, FORCE_COLOR: undefined }

/** The last `n` lines of an output, for assertion messages. */
export const tail = (s: string, n = 40) => s.split('\n').slice(-n).join('\n')

/** `release` of the project, run once however many tests ask (base, builder, wheels, release image). */
export function packagedOnce(p: ExampleProject): () => Promise<void> {
  let packaged: Promise<void> | undefined
  return () =>
    (packaged ??= runCli(['release'], { cwd: p.dir, timeoutMs: 300_000 }).then((r) => {
      if (r.code !== 0) throw new Error(`setup: release of the example project failed (${r.code}):\n${r.stdout.slice(-3000)}\n${r.stderr}`)
    }))
}

/** A local package whose build sleeps a minute (a builder run to interrupt), and the config that builds it alone. */
export function slowPackage(p: ExampleProject): string {
  p.write('slowpkg/setup.py', 'import time\ntime.sleep(60)\nfrom setuptools import setup\nsetup(name="slowpkg", version="1")\n')
  // A fresh builder container, which the interrupt tests wait for (the warm one: warm-builder.test.ts).
  return p.writeConfig('slow-package.json', { source: 'slowpkg', localPackages: [], engine: { warmBuilder: false } })
}
