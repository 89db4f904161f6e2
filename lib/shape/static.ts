import { existsSync, readFileSync, statSync } from 'node:fs'
import path from 'node:path'
import { glob } from '../glob.js'
import type { Entry } from './entry.js'
import { moduleFile } from './modules.js'

/**
 * Where a project's static files come from when it is not Django (Django's are collected at build
 * and served at STATIC_URL by the tool): what init and plan print. Found from the app's module.
 */
export type StaticSource =
  /** Flask's static folder (`static/` beside the module making the app, or its static_folder=), served by Flask at `url`. */
  | { kind: 'flask'; folder: string; url: string }
  /** A Starlette/FastAPI `StaticFiles` mount: the app serves `folder` at `url`. */
  | { kind: 'mount'; folder?: string; url: string }
  /** A `static/` folder in the source: whatever serves it is the app's own routes. */
  | { kind: 'folder'; folder: string }

const isDir = (p: string) => existsSync(p) && statSync(p).isDirectory()
const rel = (source: string, p: string) => path.relative(source, p).split(path.sep).join('/')

/** A keyword argument given as a string literal: `static_folder="assets"` → assets. */
const literalArg = (call: string, name: string) => call.match(new RegExp(`\\b${name}\\s*=\\s*['"]([^'"]*)['"]`))?.[1]

/** The module's Flask(...) call: its static folder and URL, when the folder exists. */
function flaskStatic(source: string, file: string, text: string): StaticSource | undefined {
  const call = text.match(/\bFlask\(([^)]*)\)/)?.[1] ?? ''
  if (/\bstatic_folder\s*=\s*None\b/.test(call)) return undefined
  const folder = path.resolve(path.dirname(file), literalArg(call, 'static_folder') ?? 'static')
  if (!isDir(folder)) return undefined
  const url = literalArg(call, 'static_url_path') ?? `/${path.basename(folder)}`
  return { kind: 'flask', folder: rel(source, folder), url }
}

/** A `Mount("/static", StaticFiles(directory=…))` or `app.mount("/static", StaticFiles(…))` in the module. */
function mountedStatic(source: string, file: string, text: string): StaticSource | undefined {
  const m = text.match(/(?:\bMount|\.mount)\(\s*['"]([^'"]+)['"]\s*,\s*(?:app\s*=\s*)?StaticFiles\(([^)]*)\)/)
  if (!m) return undefined
  const dir = literalArg(m[2], 'directory')
  const folder = dir !== undefined ? path.resolve(source, dir) : path.join(path.dirname(file), 'static')
  return { kind: 'mount', url: m[1], ...(isDir(folder) ? { folder: rel(source, folder) } : {}) }
}

/**
 * Where the static files of a non-Django app come from: the framework's own (Flask's static
 * folder, a StaticFiles mount) in the module `entry` names, else a `static/` folder beside it or
 * anywhere in the source (served by the app's own routes), else undefined (none found).
 */
export async function findStatic(source: string, entry: Entry | undefined): Promise<StaticSource | undefined> {
  const file = entry && entry.kind !== 'command' ? moduleFile(source, entry.target.split(':')[0]) : undefined
  if (file) {
    const text = readFileSync(file, 'utf8')
    const own = entry!.framework === 'flask' ? flaskStatic(source, file, text) : mountedStatic(source, file, text)
    if (own) return own
    if (isDir(path.join(path.dirname(file), 'static'))) return { kind: 'folder', folder: rel(source, path.join(path.dirname(file), 'static')) }
  }
  const [folder] = (
    await glob('**/static', {
      cwd: source,
      onlyDirectories: true,
      deep: 4,
      ignore: ['**/node_modules/**', '**/.git/**', '**/venv/**', '**/.venv/**', '**/tests/**', '**/build/**', '**/dist/**', '**/wheelhouse/**'],
    })
  ).sort((a, b) => a.length - b.length || a.localeCompare(b))
  return folder ? { kind: 'folder', folder } : undefined
}
