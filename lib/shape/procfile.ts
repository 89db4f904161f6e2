import { existsSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { UserError } from '../errors.js'

/** A Procfile's process types, as Heroku and buildpacks read it: `web:` serves, `release:` runs before. */
export interface Procfile {
  web: string
  release?: string
}

/** Parse a Procfile (`name: command` per line, # comments). Without a `web:` line: an error. */
export function parseProcfile(text: string, file = 'Procfile'): Procfile {
  const procs: Record<string, string> = {}
  text.split(/\r?\n/).forEach((line, i) => {
    if (!line.trim() || line.trim().startsWith('#')) return
    const m = line.match(/^([A-Za-z0-9_-]+)\s*:\s*(.*\S)\s*$/)
    if (!m)
      throw new UserError(`${file}:${i + 1}: "${line.trim()}" is not a "name: command" line`, {
        hint: 'each line of a Procfile is a process type, a colon and its command, e.g. web: gunicorn mysite.wsgi',
      })
    procs[m[1]] = m[2]
  })
  if (!procs.web) {
    throw new UserError(`${file} has no web: line, so there is nothing to serve`, {
      hint: `add one, e.g. "web: gunicorn mysite.wsgi", or remove the Procfile and let the tool find the app (or set "release.wsgi" in .pypackagerc.json)`,
    })
  }
  return { web: procs.web, release: procs.release }
}

export function readProcfile(source: string): Procfile | undefined {
  const file = path.join(source, 'Procfile')
  return existsSync(file) ? parseProcfile(readFileSync(file, 'utf8'), 'Procfile') : undefined
}
