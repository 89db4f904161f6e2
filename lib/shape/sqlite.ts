import { readFileSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import path from 'node:path'
import { glob } from '../glob.js'
import { SKIP } from './entry.js'
import { moduleFile } from './modules.js'

// An app's sqlite files — a Django app's from its settings, any other's beside its code — which the
// release image links into the writable /app/data (DATA_FILES): in the code's root and in the
// working folder, where a relative path lands.

/** A database named relative to the working folder: `"sqlite:///app.db"` (SQLAlchemy's relative form), `sqlite3.connect("app.db")`. */
const RELATIVE = [/['"]sqlite(?:\+\w+)?:\/\/\/([\w.-]+\.(?:db|sqlite3?))['"]/g, /\bconnect\(\s*['"]([\w.-]+\.(?:db|sqlite3?))['"]/g]

/** The file names the app's Python code opens relative to the working folder. Pure. */
export function relativeDatabases(text: string): string[] {
  return RELATIVE.flatMap((re) => [...text.matchAll(re)].map((m) => m[1]))
}

/**
 * sqlite files beside an app's code: those at the source's root (`app.db`, `data.sqlite3`,
 * committed or left by a local run) and those its Python files open by a relative name. Names only.
 */
export async function sqliteBesideCode(source: string): Promise<string[]> {
  const [files, code] = await Promise.all([
    glob(['*.db', '*.sqlite', '*.sqlite3'], { cwd: source, onlyFiles: true }),
    glob('**/*.py', { cwd: source, ignore: SKIP, deep: 5, followSymbolicLinks: false }),
  ])
  const named: string[] = []
  for (const rel of code.sort()) {
    const text = await readFile(path.join(source, rel), 'utf8').catch(() => '')
    if (text.length < 200_000) named.push(...relativeDatabases(text))
  }
  return [...new Set([...files.sort(), ...named])]
}

/** sqlite database files named in the settings (`BASE_DIR / 'db.sqlite3'`): file names only. */
export function sqliteFiles(source: string, settings: string): string[] {
  const file = moduleFile(source, settings)
  if (!file) return []
  const names = [...readFileSync(file, 'utf8').matchAll(/['"]([\w-]+\.(?:sqlite3?|db))['"]/g)].map((m) => m[1])
  return [...new Set(names)]
}
