import { existsSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { startCli } from '../helpers/cli.js'
import { containersOf, docker } from '../helpers/engine.js'
import { httpGet, poll } from '../helpers/poll.js'
import { copyShape, pyindex } from '../helpers/shapes.js'

// Every project shape a team has, adopted with no edit but .pypackagerc.json: init, release
// --smoke, run (GET / and a static file), test. The fixtures are in tests/fixtures/shapes/.
interface Case {
  name: string
  /** What init must say it found. */
  found: RegExp[]
  /** Config a user would add after init (and only that). */
  config?: Record<string, unknown>
  /**
   * The server the release gets from the tool: none of the fixtures declares one (that is part of
   * the proof), so the wheelhouse, the release's manifest and its SBOM must list it. Default: gunicorn.
   */
  server?: string[]
  /** What `bootstrap` prints when it runs the release phase (the Procfile's release: line). */
  releasePhase?: { command: string; output: RegExp }
  page: RegExp
  css: string
  tests: RegExp
  /** A one-off command in the image (`run -- …`) and what it prints. */
  oneOff?: { cmd: string[]; output: RegExp }
}

const cases: Case[] = [
  {
    name: 'classic-django',
    found: [/Django application without packaging metadata.*requirements\.txt/, /mysite\.wsgi:application/, /sqlite: db\.sqlite3/, /tests: python manage\.py test/],
    page: /visit/i,
    css: '/static/css/site.css',
    tests: /Ran 6 tests[\s\S]*OK/,
    // manage.py was packed into the wheel; the image links it into the working directory.
    oneOff: { cmd: ['python', 'manage.py', 'showmigrations', 'notes'], output: /0001_initial/ },
  },
  {
    name: 'django-nodb',
    found: [/Django package, built by setuptools\.build_meta/, /nodbsite\.wsgi:application/, /tests: python -m pytest \(test tools: the "test" extra\)/],
    config: { release: { env: { DJANGO_SECRET_KEY: 'a-placeholder-for-build-steps' } } },
    page: /nodbsite|<html/i,
    css: '/static/nodbsite/app.css',
    tests: /7 passed/,
  },
  {
    name: 'flask-flit',
    found: [/Flask package, built by flit_core\.buildapi/, /flaskr:create_app\(\)/, /the dependency group test/],
    page: /flaskr bookmarks/,
    css: '/static/style.css',
    tests: /7 passed/,
  },
  {
    name: 'hatch-procfile',
    found: [
      /built by hatchling\.build/,
      /serves: gunicorn greeter\.wsgi:application --workers 2 \(from Procfile\)/,
      /release phase: python -m greeter\.release \(run by bootstrap/,
      /requirements-dev\.txt/,
    ],
    page: /Hello, /,
    css: '/static/greeter.css',
    tests: /9 passed/,
    // The release line creates a table in a sqlite file in the data folder and lists the tables.
    releasePhase: { command: 'python -m greeter.release', output: /^greeter release: \/app\/data\/greeter\.sqlite3 has the tables greetings$/m },
  },
  {
    name: 'poetry-lock',
    found: [/built by poetry\.core\.masonry\.api/, /shop\.app:app/, /lock: poetry\.lock/, /the poetry group test/],
    page: /Shop/,
    css: '/static/shop.css',
    tests: /5 passed/,
  },
  {
    name: 'uv-app',
    found: [/Flask application without packaging metadata/, /serves: app:app/, /lock: uv\.lock/, /the dependency group dev/],
    page: /uv!/,
    css: '/static/site.css',
    tests: /8 passed/,
  },
  {
    name: 'asgi-starlette',
    found: [/Starlette package/, /hello_asgi\.app:app \(ASGI/, /gunicorn with uvicorn workers/],
    server: ['gunicorn', 'uvicorn'],
    page: /<html|hello/i,
    css: '/static/asgi.css',
    tests: /7 passed/,
  },
  {
    name: 'cext-lib',
    found: [/WSGI package, built by setuptools/, /fastsum\.web:application/, /requirements\/tests\.txt/],
    page: /5050/,
    css: '/static/fastsum.css',
    tests: /16 passed/,
  },
]

const ns = `pptest${process.pid}s`

// Seconds per step and shape: each suite prints its line when it ends, the last one the whole
// table (the README's and the closing note's figures). A step that did not finish shows "–".
const STEPS = ['release --smoke', 'run → first 200', 'test'] as const
const rows: string[] = []

for (const c of cases) {
  const test = suite(`${c.name}: init → release --smoke → run → test`)
  const p = copyShape(c.name, ns)
  const times: Partial<Record<(typeof STEPS)[number], number>> = {}
  const timed = async <T>(step: (typeof STEPS)[number], work: () => Promise<T>): Promise<T> => {
    const started = Date.now()
    const value = await work()
    times[step] = (Date.now() - started) / 1000
    return value
  }
  test.after(async () => {
    const seconds = STEPS.map((step) => (times[step] === undefined ? '–' : `${times[step]!.toFixed(1)} s`))
    console.log(`  times ${c.name}: ${STEPS.map((step, i) => `${step} ${seconds[i]}`).join(', ')}`)
    rows.push(`| ${c.name} | ${seconds.join(' | ')} |`)
    if (rows.length === cases.length) console.log(['', `| shape | ${STEPS.join(' | ')} |`, `|---|${STEPS.map(() => '---:').join('|')}|`, ...rows].map((l) => `  ${l}`).join('\n'))
    if (c.releasePhase) await p.cli(['clean'])
    await p.remove()
  })

  test('init says what it found', async () => {
    const r = await p.cli(['init', '--no-index', '--find-links', pyindex])
    assert.is(r.code, 0, `init succeeds:\n${r.stdout}\n${r.stderr}`)
    for (const re of c.found) assert.match(r.stdout, re, `init reports ${re}:\n${r.stdout}`)
    const django = /project: Django/.test(r.stdout)
    assert.is(existsSync(path.join(p.dir, 'docker/postgres/Dockerfile')), django, `docker/postgres is scaffolded ${django ? 'for a Django project' : 'only for a Django project'}`)
    // Not one of the fixtures declares a server: init says the tool adds it (a Procfile names its own command).
    if (!/\(from Procfile\)/.test(r.stdout)) assert.match(r.stdout, /^serves: .*\(added by the tool/m, `init says the server is added by the tool:\n${r.stdout}`)
    p.configure(c.config ?? {})
  })

  test('release --smoke: / and the static file answer 200', async () => {
    const r = await timed('release --smoke', () => p.cli(['release', '--smoke', '--metadata-file', 'built.json']))
    assert.is(r.code, 0, `release --smoke succeeds:\n${r.stdout}\n${r.stderr}`)
    // --metadata-file: the release image as the engine has it, and the wheels it was built from.
    const meta = JSON.parse(readFileSync(path.join(p.dir, 'built.json'), 'utf8')) as { images: Record<string, { id: string; built: boolean }>; wheels?: unknown[] }
    assert.is(meta.images.release?.id, (await docker.getImage(`${p.project}-release:latest`).inspect()).Id, '--metadata-file names the release image by its id')
    assert.ok(meta.wheels?.length, '--metadata-file lists the wheels')
    assert.match(r.stdout, /smoke: GET \/ → 200/, 'GET / is 200')
    assert.ok(r.stdout.includes(`smoke: GET ${c.css} → 200`), `GET ${c.css} is 200:\n${r.stdout}`)
    assert.equal(await containersOf(p.project), [], 'smoke leaves no container')
  })

  test('the server the app does not declare is in the release: the wheelhouse, the manifest, the SBOM', () => {
    const read = <T>(rel: string) => JSON.parse(readFileSync(path.join(p.dir, rel), 'utf8')) as T
    const wheels = read<{ dependencies: string[] }>('wheelhouse/pypackage-wheels.json')
    const manifest = read<{ name: string; wheel: string; sha256: string }[]>('wheelhouse-manifest.json')
    const bom = read<{ components: { name: string; purl: string; hashes?: { content: string }[] }[] }>('wheelhouse-sbom.cdx.json')
    for (const server of c.server ?? ['gunicorn']) {
      // A dependency wheel, so it is installed in the dependency layer, not with the app.
      const wheel = wheels.dependencies.find((w) => w.toLowerCase().startsWith(`${server}-`))
      assert.ok(wheel, `the wheelhouse's dependencies hold ${server}: ${wheels.dependencies.join(', ')}`)
      const entry = manifest.find((m) => m.name.toLowerCase() === server)
      assert.is(entry?.wheel, wheel, `wheelhouse-manifest.json lists ${server}, installed from that wheel`)
      const component = bom.components.find((x) => x.purl.startsWith(`pkg:pypi/${server}@`))
      assert.ok(
        component?.hashes?.some((h) => h.content === entry!.sha256),
        `wheelhouse-sbom.cdx.json lists ${server} with the wheel's sha256`,
      )
    }
  })

  test('run serves it on a free port; Ctrl-C removes the container', async () => {
    const app = startCli(['run', '--port', '0'], { cwd: p.dir })
    try {
      // Timed from the start of run: it prints its URL once the app answers.
      const page = await timed('run → first 200', async () => {
        const url = await poll('the run task to print its URL', async () => app.output().match(/Serving (http:\/\/127\.0\.0\.1:\d+)\//)?.[1], 60_000)
        return poll(
          'the app to answer',
          async () => {
            const res = await httpGet(`${url}/`).catch(() => undefined)
            return res?.status === 200 ? { ...res, url } : undefined
          },
          60_000,
        )
      })
      const { url } = page
      assert.match(page.body, c.page, `the page is the app's:\n${page.body.slice(0, 400)}`)
      const css = await httpGet(`${url}${c.css}`)
      assert.is(css.status, 200, `${c.css} is served`)
      assert.match(css.type, /text\/css/, 'as CSS')
    } finally {
      app.child.kill('SIGINT')
      await app.done
    }
    assert.equal(await containersOf(p.project), [], 'run leaves no container')
  })

  if (c.oneOff) {
    const { cmd, output } = c.oneOff
    test(`run -- ${cmd.join(' ')}: a one-off command in the image`, async () => {
      const r = await p.cli(['run', '--', ...cmd])
      assert.is(r.code, 0, `the command succeeds:\n${r.stdout}\n${r.stderr}`)
      assert.match(r.stdout, output, `it prints ${output}:\n${r.stdout}`)
    })
  }

  test("test runs the project's own tests against the wheels", async () => {
    const r = await timed('test', () => p.cli(['test']))
    assert.is(r.code, 0, `the tests pass:\n${r.stdout}\n${r.stderr}`)
    // unittest (manage.py test) reports on stderr, pytest on stdout.
    assert.match(`${r.stdout}\n${r.stderr}`, c.tests, `the tests ran:\n${r.stdout}\n${r.stderr}`)
  })

  if (c.releasePhase) {
    const { command, output } = c.releasePhase
    // Last: it starts the environment's database (the after hook's `clean` removes it, its network and volume).
    test(`bootstrap runs the release phase: ${command}`, async () => {
      const r = await p.cli(['bootstrap'])
      assert.is(r.code, 0, `bootstrap succeeds:\n${r.stdout}\n${r.stderr}`)
      assert.ok(r.stdout.includes(`bootstrap: release phase: ${command}`), `bootstrap names the step:\n${r.stdout}`)
      assert.match(r.stdout, output, `the command ran in the release image:\n${r.stdout}`)
    })
  }

  test.run()
}
