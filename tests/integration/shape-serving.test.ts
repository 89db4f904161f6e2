import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { startCli, type CliResult } from '../helpers/cli.js'
import { httpGet, poll } from '../helpers/poll.js'
import { copyShape, pyindex, type ShapeProject } from '../helpers/shapes.js'

// What the release serves beyond the shapes' own path (shapes.test.ts): a Django app's static
// files behind a Procfile command and over ASGI (no WhiteNoise), the release phase of a Django app
// without a database, and an sqlite file a Flask app opens by a relative name.
const ns = `pptest${process.pid}v`
const all = (r: CliResult) => `${r.stdout}\n${r.stderr}`

const write = (p: ShapeProject, rel: string, text: string) => {
  mkdirSync(path.dirname(path.join(p.dir, rel)), { recursive: true })
  writeFileSync(path.join(p.dir, rel), text)
}

async function adopt(name: string, edit?: (p: ShapeProject) => void, config: Record<string, unknown> = {}): Promise<{ p: ShapeProject; init: CliResult }> {
  const p = copyShape(name, ns)
  edit?.(p)
  const init = await p.cli(['init', '--no-index', '--find-links', pyindex])
  if (init.code !== 0) await p.remove()
  assert.is(init.code, 0, `init succeeds:\n${all(init)}`)
  p.configure(config)
  return { p, init }
}

/** `run --port 0` until its URL answers / with 200; `use` gets the URL; Ctrl-C at the end. */
async function served(p: ShapeProject, use: (url: string) => Promise<void>): Promise<void> {
  const app = startCli(['run', '--port', '0'], { cwd: p.dir })
  try {
    const url = await poll('the run task to print its URL', async () => app.output().match(/Serving (http:\/\/127\.0\.0\.1:\d+)\//)?.[1], 90_000)
    await poll('the app to answer', async () => ((await httpGet(`${url}/`).catch(() => undefined))?.status === 200 ? true : undefined), 60_000)
    await use(url)
  } finally {
    app.child.kill('SIGINT')
    await app.done
  }
}

// ---------------------------------------------------------------------------------------------
const statics = suite("Django static files without WhiteNoise: behind a Procfile's server command, over ASGI")

statics('a Procfile gunicorn line (web: gunicorn mysite.wsgi --log-file -): the static file answers 200', async () => {
  const { p, init } = await adopt('classic-django', (p) => write(p, 'Procfile', 'web: gunicorn mysite.wsgi --log-file -\n'))
  try {
    assert.match(init.stdout, /serves: gunicorn mysite\.wsgi --log-file - \(from Procfile\)/, 'the Procfile is served')
    assert.match(init.stdout, /served at STATIC_URL \(the tool wraps mysite\.wsgi:application in the Procfile command\)/, 'init says the tool serves the static files')
    const r = await p.cli(['release', '--smoke'])
    assert.is(r.code, 0, `release --smoke succeeds:\n${all(r)}`)
    assert.match(r.stdout, /smoke: GET \/static\/css\/site\.css → 200/, 'the collected CSS answers at STATIC_URL')
  } finally {
    await p.remove()
  }
})

statics('Django over ASGI: a Procfile uvicorn line, then "release.asgi" (gunicorn with uvicorn workers)', async () => {
  const { p } = await adopt('classic-django', (p) => write(p, 'Procfile', 'web: uvicorn mysite.asgi:application --host 0.0.0.0 --port $PORT\n'))
  try {
    const r = await p.cli(['release', '--smoke'])
    assert.is(r.code, 0, `release --smoke succeeds (uvicorn):\n${all(r)}`)
    assert.match(r.stdout, /smoke: GET \/static\/css\/site\.css → 200/, 'the CSS answers through uvicorn')
    rmSync(path.join(p.dir, 'Procfile'))
    p.configure({ release: { asgi: 'mysite.asgi:application' } })
    const asgi = await p.cli(['release', '--smoke'])
    assert.is(asgi.code, 0, `release --smoke succeeds (release.asgi):\n${all(asgi)}`)
    assert.match(asgi.stdout, /smoke: GET \/static\/css\/site\.css → 200/, 'the CSS answers through gunicorn with uvicorn workers')
  } finally {
    await p.remove()
  }
})

statics.run()

// ---------------------------------------------------------------------------------------------
const phases = suite('the release phase of a Django app without a database')

phases('django-nodb (DATABASES = {}): init names no release phase, bootstrap succeeds without migrate', async () => {
  const { p, init } = await adopt('django-nodb', undefined, { release: { env: { DJANGO_SECRET_KEY: 'a-placeholder-for-build-steps' } } })
  try {
    assert.match(init.stdout, /release phase: none: the settings define no database/, `init says why there is no release phase:\n${init.stdout}`)
    const release = await p.cli(['release'])
    assert.is(release.code, 0, `release succeeds:\n${all(release)}`)
    const r = await p.cli(['bootstrap'])
    assert.is(r.code, 0, `bootstrap succeeds:\n${all(r)}`)
    assert.not.match(r.stdout, /bootstrap: release phase/, 'no migrate')
    assert.match(r.stdout, /bootstrap: collectstatic/, 'the static files are still collected')
  } finally {
    await p.cli(['clean'])
    await p.remove()
  }
})

phases.run()

// ---------------------------------------------------------------------------------------------
const data = suite('an sqlite file a Flask app opens by a relative name')

data('a Flask app.py writing visits.db (relative) on each request: it counts in run (hardened: read-only root)', async () => {
  const { p, init } = await adopt('uv-app', (p) => {
    write(
      p,
      'visits.py',
      [
        '"""Visits, counted in an sqlite file named relative to the working folder."""',
        'import sqlite3',
        '',
        'from app import app',
        '',
        '',
        '@app.post("/visits")',
        'def visit():',
        '    db = sqlite3.connect("visits.db")',
        '    db.execute("CREATE TABLE IF NOT EXISTS visit (id INTEGER PRIMARY KEY)")',
        '    db.execute("INSERT INTO visit DEFAULT VALUES")',
        '    db.commit()',
        '    return {"visits": db.execute("SELECT count(*) FROM visit").fetchone()[0]}',
        '',
      ].join('\n'),
    )
    // The route lives beside app.py, which imports it last (Flask's "larger applications" pattern).
    write(p, 'app.py', `${readFileSync(path.join(p.dir, 'app.py'), 'utf8')}\nimport visits  # noqa: E402,F401\n`)
  })
  try {
    assert.match(init.stdout, /sqlite: visits\.db next to the code, kept in \/app\/data/, `init names the file:\n${init.stdout}`)
    const r = await p.cli(['release'])
    assert.is(r.code, 0, `release succeeds:\n${all(r)}`)
    await served(p, async (url) => {
      for (const want of [1, 2]) {
        const res = await fetch(`${url}/visits`, { method: 'POST' })
        const body = await res.text()
        assert.is(res.status, 200, `POST /visits answers 200:\n${body.slice(0, 2000)}`)
        assert.equal(JSON.parse(body), { visits: want }, `visit ${want} is counted`)
      }
    })
  } finally {
    await p.remove()
  }
})

data.run()
