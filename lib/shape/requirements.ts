import { existsSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { normalizeName, requirementName } from './pyproject.js'

/** One requirement line of a requirements file, where it was. */
export interface RequirementLine {
  name: string
  /** The requirement as written, without options (`Django==3.2.13`). */
  text: string
  /** `requirements/base.txt:4`, relative to the source. */
  at: string
}

/**
 * The requirements of pip requirement files, following `-r` includes (not `-c` constraints:
 * they require nothing). Options, URLs, editable and local paths are left to pip. Pure apart
 * from reading the files.
 */
export function readRequirements(source: string, files: string[]): RequirementLine[] {
  const out: RequirementLine[] = []
  const seen = new Set<string>()
  const read = (rel: string) => {
    const abs = path.resolve(source, rel)
    if (seen.has(abs) || !existsSync(abs)) return
    seen.add(abs)
    readFileSync(abs, 'utf8')
      .split(/\r?\n/)
      .forEach((raw, i) => {
        // pip joins lines ending in a backslash; a --hash continuation is an option line here.
        const line = raw.replace(/(^|\s)#.*$/, '').trim()
        const include = line.match(/^(?:-r|--requirement)[\s=]+(\S+)/)
        if (include) return read(path.relative(source, path.resolve(path.dirname(abs), include[1])))
        if (!line || line.startsWith('-') || line.startsWith('\\') || /^[./]|:\/\//.test(line)) return
        const text = line
          .split(/\s+--?\w/)[0]
          .replace(/\\$/, '')
          .trim()
        out.push({ name: requirementName(text), text, at: `${path.relative(source, abs)}:${i + 1}` })
      })
  }
  for (const f of files) read(f)
  return out
}

/** The `name==version` pins no wheel or sdist in `available(name)` satisfies (a `+local` suffix ignored). */
export function unavailablePins(reqs: RequirementLine[], available: (name: string) => string[]): { req: RequirementLine; has: string[] }[] {
  const out: { req: RequirementLine; has: string[] }[] = []
  for (const req of reqs) {
    const pin = req.text.match(/===?\s*([\w.!+-]+)\s*(?:;|$)/)?.[1]
    if (!pin || pin.includes('*')) continue
    const has = available(req.name)
    if (!has.some((v) => v.replace(/\+.*/, '') === pin.replace(/\+.*/, ''))) out.push({ req, has })
  }
  return out
}

/**
 * The dependency an application's own wheel would take the name of: the tool packs the app as a
 * distribution named `app` (the config's "app", else the project folder's name), and one named
 * like a requirement (a checkout called `starlette` that requires starlette) cannot be installed
 * beside it. Names compared as PEP 503 normalizes them. Pure.
 */
export function dependencyNamedLike(app: string, requirements: string[]): string | undefined {
  const name = normalizeName(app)
  return requirements.find((r) => requirementName(r) === name)
}
