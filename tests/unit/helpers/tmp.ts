import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'

/** A fresh folder under the OS temp dir; remove it with removeTemp in the suite's `after` hook. */
export function makeTemp(label: string): string {
  return mkdtempSync(path.join(os.tmpdir(), `pypackage-unit-${label}-`))
}

export function removeTemp(dir: string | undefined): void {
  if (dir) rmSync(dir, { recursive: true, force: true })
}

/**
 * Write `files` under `root`: keys are relative paths, a value is the file's text, or null for an
 * empty folder. Returns `root` so a call can be the argument of the code under test.
 */
export function writeTree(root: string, files: Record<string, string | null>): string {
  for (const [rel, text] of Object.entries(files)) {
    const p = path.join(root, rel)
    if (text === null) {
      mkdirSync(p, { recursive: true })
    } else {
      mkdirSync(path.dirname(p), { recursive: true })
      writeFileSync(p, text)
    }
  }
  return root
}
