import type { PythonChoice } from '../python.js'
import type { Shape } from '../shape/detect.js'
import { describeLock } from '../shape/locks.js'
import { describeTools } from '../shape/tests.js'

const FRAMEWORK: Record<string, string> = { django: 'Django', flask: 'Flask', fastapi: 'FastAPI', starlette: 'Starlette', wsgi: 'WSGI', asgi: 'ASGI' }

const serverSource = (declared: boolean | undefined) =>
  declared === true ? 'declared by the app' : declared === false ? 'added by the tool: the dependencies declare no server' : 'added by the tool when the dependencies lack it'

/** `python: 3.13 (.python-version: "3.13.1") on debian:trixie-slim`: the Python, why that one, its OS image. */
export function describePython(python: PythonChoice): string {
  const f = python.from
  const why =
    f.source === 'default'
      ? 'the default: .python-version or "python" in .pypackagerc.json choose another'
      : f.source === 'config'
        ? `"python" in ${f.file}`
        : f.source === 'requires-python'
          ? f.pick === 'default'
            ? `the default, which requires-python "${f.value}" in ${f.file} allows`
            : `the newest available that requires-python "${f.value}" in ${f.file} allows`
          : `${f.file}: "${f.value}"`
  const image = python.imageFrom === 'built-in' ? python.image : `${python.image} (from "${python.imageFrom}")`
  return `python: ${python.version} (${why}) on ${image}`
}

/** Who answers at a Django app's STATIC_URL: the tool's wrapper, unless a server command names no app it can wrap. */
function djangoStaticServing(shape: Omit<Shape, 'pyproject'>): string {
  if (shape.entry?.kind !== 'command') return 'served at STATIC_URL'
  if (shape.wrapped) return `served at STATIC_URL (the tool wraps ${shape.wrapped.callable} in the ${shape.entry.from} command)`
  return `served at STATIC_URL only if the app does it (WhiteNoise): the ${shape.entry.from} command names no app the tool can wrap`
}

/** Where a non-Django app's static files come from. */
function describeStatic(found: Shape['static']): string {
  if (!found) return 'none found'
  if (found.kind === 'flask') return `${found.folder}/, Flask's static folder, served by the app at ${found.url}`
  if (found.kind === 'mount') return `${found.folder ? `${found.folder}/, ` : ''}a StaticFiles mount, served by the app at ${found.url}`
  return `${found.folder}/, served by the app's own routes (the tool serves static files only for Django)`
}

/** What the tool found in a project, one line per concern: printed by init and plan. `python`: none when the project's Dockerfiles decide it. */
export function describeShape(shape: Omit<Shape, 'pyproject'>, python?: PythonChoice): string[] {
  const entry = shape.entry
  const framework = entry ? FRAMEWORK[entry.framework] : shape.settings ? 'Django' : 'Python'
  const lines = [
    shape.kind === 'package'
      ? `project: ${framework} package, built by ${shape.backend}`
      : `project: ${framework} application without packaging metadata: the tool packs its code into a wheel${shape.requirements.length ? `; dependencies from ${shape.requirements.join(', ')}` : shape.declared.length ? `; ${shape.declared.length} dependencies declared` : ''}`,
    entry
      ? entry.kind === 'command'
        ? `serves: ${entry.target} (from ${entry.from})`
        : `serves: ${entry.target} (${entry.kind.toUpperCase()}, found in ${entry.from}) with ${entry.kind === 'asgi' ? 'gunicorn with uvicorn workers' : 'gunicorn'} (${serverSource(shape.serverDeclared)})`
      : 'serves: nothing found: set "release.wsgi" (or "asgi", "command") in .pypackagerc.json, or add a Procfile',
  ]
  lines.push(python ? describePython(python) : "python: the project's Dockerfiles' own (none of the builder's and release's takes ARG OS_IMAGE)")
  if (shape.settings) lines.push(`settings: ${shape.settings}; static files collected at build (STATIC_ROOT, else /app/static) and ${djangoStaticServing(shape)}`)
  else lines.push(`static files: ${describeStatic(shape.static)}`)
  if (shape.settings && shape.database === false && !shape.releaseCommand) {
    lines.push('release phase: none: the settings define no database (DATABASES is empty), so there is nothing to migrate; set "release.releaseCommand" if something must run')
  }
  if (shape.releaseCommand) lines.push(`release phase: ${shape.releaseCommand} (run by bootstrap; before the server with "release.releaseOnStart")`)
  if (shape.databaseCommand) {
    lines.push(
      `release phase: none set; the app has a command that creates its database (${shape.databaseCommand}): if it must run before serving, set "release": { "releaseCommand": "${shape.databaseCommand}", "releaseOnStart": true }`,
    )
  }
  if (shape.sqlite.length) lines.push(`sqlite: ${shape.sqlite.join(', ')} next to the code, kept in /app/data (writable)`)
  lines.push(`tests: ${shape.tests.command.join(' ')} (test tools: ${describeTools(shape.tests.tools)})`)
  if (shape.lock) lines.push(`lock: ${describeLock(shape.lock)}`)
  return lines
}
