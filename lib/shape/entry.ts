import { existsSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import path from 'node:path'
import { glob } from '../glob.js'
import { UserError } from '../errors.js'

type Framework = 'django' | 'flask' | 'fastapi' | 'starlette' | 'wsgi' | 'asgi'

/** How the release image serves the app. */
export interface Entry {
  /** wsgi/asgi: a `module:callable` the tool serves with gunicorn (+ uvicorn workers for ASGI); command: a Procfile `web:` line. */
  kind: 'wsgi' | 'asgi' | 'command'
  target: string
  framework: Framework
  /** Where it was found, for messages: "mysite/wsgi.py", "Procfile", ".pypackagerc.json". */
  from: string
}

/** Folders never searched for entry points: tests, environments, build output, migrations. */
export const SKIP = [
  '**/node_modules/**',
  '**/.git/**',
  '**/venv/**',
  '**/.venv/**',
  '**/env/**',
  '**/site-packages/**',
  '**/build/**',
  '**/dist/**',
  '**/tests/**',
  '**/test/**',
  '**/docs/**',
  '**/migrations/**',
  '**/__pycache__/**',
  '**/.tox/**',
  '**/conftest.py',
  '**/test_*.py',
  '**/*_test.py',
  'setup.py',
  'noxfile.py',
]

/**
 * `src/shop/app.py` → `shop.app` (a src layout installs src/'s contents at the root: setuptools
 * does, and so does the tool's packer); `flaskr/__init__.py` → `flaskr`. `srcLayout` false: src/
 * is a package itself (src/__init__.py), and `src.` stays.
 */
export function moduleOf(rel: string, srcLayout = true): string {
  return (srcLayout ? rel.replace(/^src\//, '') : rel)
    .replace(/\.py$/, '')
    .replace(/\/__init__$/, '')
    .replace(/\//g, '.')
}

interface Candidate extends Entry {
  /** Lower is preferred: 0 Django's wsgi.py, 1 a module-level app object, 2 a factory. */
  rank: number
  settings?: string
}

/** The entry-point candidates one Python file offers. Pure. */
export function candidatesIn(rel: string, text: string, srcLayout = true): Candidate[] {
  const mod = moduleOf(rel, srcLayout)
  const out: Candidate[] = []
  const base = path.basename(rel)
  if (base === 'wsgi.py' && /get_wsgi_application/.test(text)) {
    const settings = text.match(/DJANGO_SETTINGS_MODULE['"]\s*,\s*['"]([\w.]+)['"]/)?.[1]
    out.push({ kind: 'wsgi', target: `${mod}:application`, framework: 'django', from: rel, rank: 0, settings })
    return out
  }
  if (/get_asgi_application|get_wsgi_application/.test(text)) return out // Django's asgi.py: the wsgi.py beside it is served
  for (const m of text.matchAll(/^(\w+)\s*(?::\s*[\w.]+\s*)?=\s*(?:flask\.|fastapi\.|starlette\.applications\.)?(Flask|FastAPI|Starlette)\(/gm)) {
    const framework = m[2].toLowerCase() as Framework
    out.push({ kind: framework === 'flask' ? 'wsgi' : 'asgi', target: `${mod}:${m[1]}`, framework, from: rel, rank: 1 })
  }
  // `app = create_app()` (the Flask tutorial's wsgi.py imports it from the app's package).
  for (const m of text.matchAll(/^(\w+)\s*=\s*create_app\(\s*\)/gm)) out.push({ kind: 'wsgi', target: `${mod}:${m[1]}`, framework: 'flask', from: rel, rank: 1 })
  if (/\bflask\b/i.test(text) && /^def create_app\(/m.test(text)) out.push({ kind: 'wsgi', target: `${mod}:create_app()`, framework: 'flask', from: rel, rank: 2 })
  if (/^def application\(\s*environ\s*,\s*start_response/m.test(text)) out.push({ kind: 'wsgi', target: `${mod}:application`, framework: 'wsgi', from: rel, rank: 1 })
  return out
}

/**
 * Find what to serve: Django's wsgi.py (anywhere: flat, src/, nested), a Flask object or
 * `create_app` factory, a FastAPI/Starlette app, a plain WSGI `application`. The best-ranked
 * candidates must agree on one target, else one error lists them and the key that chooses.
 */
export async function findEntry(source: string): Promise<(Entry & { settings?: string }) | undefined> {
  const files = await glob('**/*.py', { cwd: source, ignore: SKIP, deep: 5, followSymbolicLinks: false })
  const all: Candidate[] = []
  const srcLayout = !existsSync(path.join(source, 'src', '__init__.py'))
  for (const rel of files.sort()) {
    const text = await readFile(path.join(source, rel), 'utf8').catch(() => '')
    if (text.length < 200_000) all.push(...candidatesIn(rel, text, srcLayout))
  }
  return chooseEntry(all, source)
}

/**
 * A Flask CLI command that creates the database (`@click.command("init-db")`, the Flask
 * tutorial's): not run by the tool on its own (it may drop tables), but named by init, since an
 * app that needs it answers 500 until it ran. Returns the command line, or undefined.
 */
export async function findDatabaseCommand(source: string, entry: Entry): Promise<string | undefined> {
  if (entry.framework !== 'flask' || entry.kind === 'command') return undefined
  const files = await glob('**/*.py', { cwd: source, ignore: SKIP, deep: 5, followSymbolicLinks: false })
  for (const rel of files.sort()) {
    const text = await readFile(path.join(source, rel), 'utf8').catch(() => '')
    const name = text.match(/command\(\s*["']((?:init|create)[-_]?db)["']/)?.[1]
    if (name) return `python -m flask --app ${entry.target.replace(/\(\)$/, '')} ${name}`
  }
  return undefined
}

/** The best-ranked candidate, or an error listing the tie. Pure (apart from the error's wording). */
export function chooseEntry(all: Candidate[], source = '.'): (Entry & { settings?: string }) | undefined {
  if (!all.length) return undefined
  const best = Math.min(...all.map((c) => c.rank))
  const top = all.filter((c) => c.rank === best)
  // A module named wsgi.py/asgi.py exists to say what to serve: it wins over other modules' apps.
  const preferred = top.length > 1 ? top.filter((c) => /(^|\/)(wsgi|asgi)\.py$/.test(c.from)) : top
  const chosen = preferred.length ? preferred : top
  const targets = [...new Set(chosen.map((c) => c.target))]
  if (targets.length > 1) {
    throw new UserError(`${source === '.' ? 'the project' : path.basename(source)} has ${targets.length} apps that could be served: ${chosen.map((c) => `${c.target} (${c.from})`).join(', ')}`, {
      hint: `choose one in .pypackagerc.json: "release": { "${chosen[0].kind === 'asgi' ? 'asgi' : 'wsgi'}": "${chosen[0].target}" } (or a Procfile with a web: line)`,
    })
  }
  const { rank: _rank, ...entry } = chosen[0]
  return entry
}
