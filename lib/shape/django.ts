import { readFileSync } from 'node:fs'
import path from 'node:path'
import { moduleFile } from './modules.js'

// What a Django project's settings module says, read as text (never imported: it may need the environment).

/** A `DATABASES` line that defines nothing: `DATABASES = {}` or `dict()`. */
const EMPTY = /^DATABASES\s*=\s*(?:\{\s*\}|dict\(\s*\))\s*(?:#.*)?$/
/** A line that sets, changes or imports DATABASES. */
const TOUCHES = /^\s*(?:DATABASES\b\s*(?:=|\[|\.update\(|\|=|:)|from\s+\S+\s+import\s+.*\bDATABASES\b)/
/** Settings read from elsewhere in ways the text does not show (django-split-settings' include(), exec of a file). */
const OPAQUE = /^\s*(?:include\(|exec\(|execfile\()/m

/** `from .base import *` in module `mod` (a package when its file is __init__.py) → the module it names. */
function starImports(text: string, mod: string, isPackage: boolean): string[] {
  const pkg = isPackage ? mod.split('.') : mod.split('.').slice(0, -1)
  return [...text.matchAll(/^from\s+(\.*)([\w.]*)\s+import\s+\*/gm)].map(([, dots, name]) => {
    if (!dots) return name
    const base = pkg.slice(0, pkg.length - (dots.length - 1))
    return [...base, ...(name ? [name] : [])].join('.')
  })
}

/**
 * Whether the settings define a database Django can migrate. False only when the text says so
 * surely: `DATABASES = {}` (or no DATABASES at all: Django's default is none) in the module and
 * every settings module it star-imports, with nothing set or imported elsewhere. Anything the text
 * cannot show (a module outside the source, include(), exec) counts as a database. Pure apart
 * from reading the files.
 */
export function definesDatabase(source: string, settings: string): boolean {
  const seen = new Set<string>()
  const pending = [settings]
  while (pending.length) {
    const mod = pending.pop()!
    if (seen.has(mod)) continue
    seen.add(mod)
    const file = moduleFile(source, mod)
    if (!file || seen.size > 20) return true
    const text = readFileSync(file, 'utf8')
    if (OPAQUE.test(text)) return true
    if (text.split(/\r?\n/).some((line) => TOUCHES.test(line) && !EMPTY.test(line.trim()))) return true
    pending.push(...starImports(text, mod, path.basename(file) === '__init__.py'))
  }
  return false
}
