import { existsSync } from 'node:fs'
import path from 'node:path'

/** The file of a module in the source: `mysite.settings` → mysite/settings.py (or src/…, or a package). */
export function moduleFile(source: string, mod: string): string | undefined {
  const rel = mod.replace(/\./g, '/')
  return [`${rel}.py`, `${rel}/__init__.py`, `src/${rel}.py`, `src/${rel}/__init__.py`].map((f) => path.join(source, f)).find((f) => existsSync(f))
}
