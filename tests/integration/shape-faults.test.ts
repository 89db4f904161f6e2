import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { runCommand, startCli, type CliResult } from '../helpers/cli.js'
import { httpGet, poll } from '../helpers/poll.js'
import { containersOf } from '../helpers/engine.js'
import { copyShape, fillPoetryHashes, fillUvHashes, indexWheels, pyindex, type ShapeProject } from '../helpers/shapes.js'

// The shapes' variants a team also has (requirement files with -r, -c and --hash; a Pipfile;
// build isolation) and the bad inputs a team meets: each bad one is one error and one hint,
// a non-zero exit, and nothing left behind (no wheelhouse, no staging folder, no container).
const ns = `pptest${process.pid}f`
const all = (r: CliResult) => `${r.stdout}\n${r.stderr}`
const sha = (name: string, version: string) => indexWheels().get(`${name.toLowerCase()}==${version}`)!.sha256

async function adopt(name: string, edit?: (p: ShapeProject) => void, config: Record<string, unknown> = {}): Promise<ShapeProject> {
  const p = copyShape(name, ns)
  edit?.(p)
  const r = await p.cli(['init', '--no-index', '--find-links', pyindex])
  // init itself may be what refuses (a Procfile without web:): the caller looks at that.
  if (r.code === 0) p.configure(config)
  else writeFileSync(path.join(p.dir, '.init-output'), all(r))
  return p
}

async function assertLeftNothing(p: ShapeProject, what: string, wheelsBuilt = false) {
  if (!wheelsBuilt) assert.not.ok(existsSync(path.join(p.dir, 'wheelhouse')), `${what}: no wheelhouse is written`)
  assert.not.ok(existsSync(path.join(p.dir, '.pypackage')), `${what}: no staging folder is left`)
  if (p.project) assert.equal(await containersOf(p.project), [], `${what}: no container is left`)
}

const write = (p: ShapeProject, rel: string, text: string) => {
  mkdirSync(path.dirname(path.join(p.dir, rel)), { recursive: true })
  writeFileSync(path.join(p.dir, rel), text)
}
const hashed = (name: string, version: string, hex = sha(name, version)) => `${name}==${version} --hash=sha256:${hex}`
const unzipList = async (wheel: string) =>
  (await runCommand('python3', ['-c', 'import sys, zipfile; print("\\n".join(zipfile.ZipFile(sys.argv[1]).namelist()))', wheel], { cwd: '/' })).stdout.split('\n')

// ---------------------------------------------------------------------------------------------
const variants = suite('shape variants: requirement files, Pipfile, build isolation')

variants('requirements/production.txt with -r, -c and --hash lines: hash-checked, and a wrong hash named', async () => {
  const p = await adopt('classic-django', (p) => {
    rmSync(path.join(p.dir, 'requirements.txt'))
    write(p, 'requirements/production.txt', '-r base.txt\n')
    write(p, 'requirements/base.txt', ['-c constraints.txt', hashed('Django', '3.2.25'), hashed('asgiref', '3.6.0'), hashed('pytz', '2022.7.1'), hashed('sqlparse', '0.4.2'), ''].join('\n'))
    write(p, 'requirements/constraints.txt', 'Django<4\n')
    // What must never reach the app's wheel, planted where a careless packer would take it.
    write(p, '.env', 'SECRET_KEY=planted\n')
    write(p, 'db.sqlite3', 'not a database')
    for (const [rel, text] of [
      ['venv/pyvenv.cfg', 'home = /usr/bin\n'],
      ['venv/lib/leak.py', ''],
      ['media/upload.txt', 'user upload'],
      ['node_modules/x/index.js', ''],
      ['notes/debug.log', 'x'],
    ])
      write(p, rel, text)
  })
  try {
    const r = await p.cli(['build'])
    assert.is(r.code, 0, `build succeeds:\n${all(r)}`)
    const manifest = JSON.parse(readFileSync(path.join(p.dir, 'wheelhouse/pypackage-wheels.json'), 'utf8'))
    assert.ok(manifest.dependencies.includes('django-3.2.25-py3-none-any.whl'), 'Django comes from the hashed requirements')
    const names = await unzipList(path.join(p.dir, 'wheelhouse', manifest.packages.app))
    for (const must of ['manage.py', 'mysite/settings.py', 'notes/models.py', 'templates/notes/index.html', 'static/css/site.css']) assert.ok(names.includes(must), `the app wheel holds ${must}`)
    for (const never of ['.env', 'db.sqlite3', 'venv/lib/leak.py', 'media/upload.txt', 'node_modules/x/index.js', 'notes/debug.log'])
      assert.not.ok(names.includes(never), `the app wheel never holds ${never}`)
    write(p, 'requirements/base.txt', readFileSync(path.join(p.dir, 'requirements/base.txt'), 'utf8').replace(sha('sqlparse', '0.4.2'), 'f'.repeat(64)))
    rmSync(path.join(p.dir, 'wheelhouse'), { recursive: true })
    const bad = await p.cli(['build'])
    assert.is(bad.code, 1, 'a wrong --hash fails the build')
    assert.match(bad.stderr, /error: building wheels failed: sqlparse==0\.4\.2: the file the index gave does not have the sha256/, bad.stderr)
    assert.match(bad.stderr, /hint: .*--hash/)
    await assertLeftNothing(p, 'a wrong hash')
  } finally {
    await p.remove()
  }
})

variants('a Pipfile project: the versions Pipfile.lock pins, checked against its hashes', async () => {
  const p = await adopt('classic-django', (p) => {
    rmSync(path.join(p.dir, 'requirements.txt'))
    write(p, 'Pipfile', '[packages]\ndjango = "<4"\n\n[dev-packages]\n')
    const pin = (name: string, version: string) => ({ version: `==${version}`, hashes: [`sha256:${sha(name, version)}`] })
    const lock = {
      _meta: { hash: { sha256: '0' }, 'pipfile-spec': 6, requires: {}, sources: [] },
      default: { django: pin('django', '3.2.25'), asgiref: pin('asgiref', '3.6.0'), pytz: pin('pytz', '2022.7.1'), sqlparse: pin('sqlparse', '0.4.2') },
      develop: {},
    }
    write(p, 'Pipfile.lock', JSON.stringify(lock, null, 4))
  })
  try {
    const r = await p.cli(['release', '--smoke'])
    assert.is(r.code, 0, `release --smoke succeeds:\n${all(r)}`)
    assert.match(r.stdout, /smoke: GET \/static\/css\/site\.css → 200/)
    write(p, 'Pipfile.lock', readFileSync(path.join(p.dir, 'Pipfile.lock'), 'utf8').replace(sha('pytz', '2022.7.1'), 'e'.repeat(64)))
    const bad = await p.cli(['build', '--force'])
    assert.is(bad.code, 1, 'a hash the lock does not list fails the build')
    assert.match(bad.stderr, /error: .*do(es)? not match Pipfile\.lock/, bad.stderr)
    assert.match(bad.stderr, /pytz 2022\.7\.1/, 'the package is named')
  } finally {
    await p.remove()
  }
})

variants('a uv.lock with hashes: the wheels are checked against them, and a wrong one is one error naming the package', async () => {
  // The committed fixture's uv.lock has no hashes (see fillPoetryHashes): these are the index's.
  const p = await adopt('uv-app', (p) => fillUvHashes(path.join(p.dir, 'uv.lock')))
  try {
    const plan = await p.cli(['plan'])
    assert.match(plan.stdout, /lock: uv\.lock \(12 packages, hashes for 12\)/, `the hashes are read:\n${all(plan)}`)
    const r = await p.cli(['build'])
    assert.is(r.code, 0, `build succeeds with the right hashes:\n${all(r)}`)
    write(p, 'uv.lock', readFileSync(path.join(p.dir, 'uv.lock'), 'utf8').replace(sha('werkzeug', '2.2.2'), '0'.repeat(64)))
    const bad = await p.cli(['build', '--force'])
    assert.is(bad.code, 1, `a hash the lock does not list fails the build:\n${all(bad)}`)
    assert.is(bad.stderr.match(/^error:/gm)?.length, 1, `one error:\n${bad.stderr}`)
    assert.match(bad.stderr, /error: 1 wheel does not match uv\.lock\n.*werkzeug 2\.2\.2: the wheel's sha256:[0-9a-f]{12}… is not among the 1 hash uv\.lock lists/, bad.stderr)
    assert.match(bad.stderr, /hint: the index serves other files than the lock was made from/)
    await assertLeftNothing(p, 'a wrong uv.lock hash', true)
  } finally {
    await p.remove()
  }
})

variants("a src layout without packaging metadata (manage.py at the root): src/'s packages installed at the root, served, static answered", async () => {
  const p = await adopt('classic-django', (p) => {
    mkdirSync(path.join(p.dir, 'src'))
    for (const d of ['mysite', 'notes', 'templates', 'static']) renameSync(path.join(p.dir, d), path.join(p.dir, 'src', d))
  })
  try {
    const r = await p.cli(['release', '--smoke'])
    assert.is(r.code, 0, `release --smoke succeeds:\n${all(r)}`)
    assert.match(r.stdout, /smoke: GET \/ → 200/)
    assert.match(r.stdout, /smoke: GET \/static\/css\/site\.css → 200/)
    const manifest = JSON.parse(readFileSync(path.join(p.dir, 'wheelhouse/pypackage-wheels.json'), 'utf8'))
    const names = await unzipList(path.join(p.dir, 'wheelhouse', manifest.packages.app))
    assert.ok(names.includes('mysite/settings.py') && names.includes('templates/notes/index.html'), `src/ is installed at the root: ${names.join(', ')}`)
    assert.not.ok(
      names.some((n) => n.startsWith('src/')),
      'no src/ folder in site-packages',
    )
  } finally {
    await p.remove()
  }
})

variants('build isolation: flit_core comes from the find-links folder, offline', async () => {
  const p = await adopt('flask-flit', undefined, { pip: { noIndex: true, findLinks: [pyindex], buildIsolation: true } })
  try {
    const r = await p.cli(['build'])
    assert.is(r.code, 0, `build succeeds:\n${all(r)}`)
    assert.match(r.stdout, /flaskr-\S+-py3-none-any\.whl/, 'the app wheel is built by pip in isolation')
  } finally {
    await p.remove()
  }
})

variants('an app.py + requirements.txt that reads folders relative to the working directory (statics/, templates/)', async () => {
  // The shape of many Starlette demos: no package, no BASE_DIR, folders named as the app likes.
  const p = await adopt('uv-app', (p) => {
    for (const f of ['pyproject.toml', 'uv.lock', 'app.py', 'static/site.css']) rmSync(path.join(p.dir, f), { force: true })
    write(p, 'requirements.txt', 'starlette\njinja2\n')
    write(p, 'statics/site.css', 'body { color: teal }\n')
    write(p, 'templates/page.html', '<html><body><h1>{{ title }}</h1></body></html>\n')
    write(
      p,
      'app.py',
      [
        'from starlette.applications import Starlette',
        'from starlette.routing import Mount, Route',
        'from starlette.staticfiles import StaticFiles',
        'from starlette.templating import Jinja2Templates',
        '',
        'templates = Jinja2Templates(directory="templates")',
        '',
        '',
        'async def home(request):',
        '    return templates.TemplateResponse("page.html", {"request": request, "title": "relative folders"})',
        '',
        '',
        'app = Starlette(routes=[Route("/", home), Mount("/statics", StaticFiles(directory="statics"), name="statics")])',
        '',
      ].join('\n'),
    )
  })
  try {
    const r = await p.cli(['release'])
    assert.is(r.code, 0, `release succeeds:\n${all(r)}`)
    const app = startCli(['run', '--port', '0'], { cwd: p.dir })
    try {
      const url = await poll('the run task to print its URL', async () => app.output().match(/Serving (http:\/\/127\.0\.0\.1:\d+)\//)?.[1], 60_000)
      const page = await poll(
        'the app to answer',
        async () => {
          const res = await httpGet(`${url}/`).catch(() => undefined)
          return res?.status === 200 ? res : undefined
        },
        60_000,
      )
      assert.match(page.body, /relative folders/, 'the template was found relative to the working directory')
      assert.is((await httpGet(`${url}/statics/site.css`)).status, 200, 'statics/ was packed and is found relative to the working directory')
    } finally {
      app.child.kill('SIGINT')
      await app.done
    }
  } finally {
    await p.remove()
  }
})

variants.run()

// ---------------------------------------------------------------------------------------------
const faults = suite('shape faults: one error, one hint, nothing left behind')

const cases: { name: string; shape: string; edit?: (p: ShapeProject) => void; config?: Record<string, unknown>; task?: string[]; error: RegExp; hint: RegExp; wheelsBuilt?: boolean }[] = [
  {
    name: 'a requirement the index lacks: the package and the index are named',
    shape: 'classic-django',
    edit: (p) => write(p, 'requirements.txt', 'Django>=3.2,<4\nnot-a-real-package>=1.0\n'),
    error: /error: building wheels failed: the find-links folder \S*pyindex has no not-a-real-package>=1\.0 \(it has no not-a-real-package at all\)/,
    hint: /hint: add a folder holding it to "pip\.findLinks"/,
  },
  {
    name: 'pins the offline index lacks: all named at once, before any build',
    shape: 'classic-django',
    edit: (p) => write(p, 'requirements.txt', 'Django==3.2.13\nasgiref==3.6.0\npytz==2022.1  # pinned long ago\n'),
    error:
      /error: 2 pinned requirements are not in the find-links folder \S*pyindex: Django==3\.2\.13, pytz==2022\.1\n\s*\| requirements\.txt:1: Django==3\.2\.13 \(there: 3\.2\.25\)\n\s*\| requirements\.txt:3: pytz==2022\.1 \(there: 2022\.7\.1\)/,
    hint: /hint: add a folder holding them to "pip\.findLinks"/,
  },
  {
    name: 'a requirements line pip cannot read: file and line',
    shape: 'classic-django',
    edit: (p) => write(p, 'requirements.txt', '# ours\nDjango=3.2\n'),
    error: /error: building wheels failed: requirements\.txt:2: pip cannot read the requirement "Django=3\.2"/,
    hint: /hint: fix that line/,
  },
  {
    name: 'a Procfile without web:',
    shape: 'hatch-procfile',
    edit: (p) => write(p, 'Procfile', 'release: python -c "print(1)"\nworker: python -m greeter.worker\n'),
    error: /error: Procfile has no web: line/,
    hint: /hint: add one, e\.g\. "web: gunicorn/,
  },
  {
    name: 'an unknown build backend',
    shape: 'hatch-procfile',
    edit: (p) => write(p, 'pyproject.toml', readFileSync(path.join(p.dir, 'pyproject.toml'), 'utf8').replace(/build-backend = "[^"]*"/, 'build-backend = "hatchling.nonexistent"')),
    error: /error: building wheels failed: the build backend hatchling\.nonexistent .*cannot be imported/,
    hint: /hint: /,
  },
  {
    name: 'a lock out of step with the pyproject',
    shape: 'poetry-lock',
    edit: (p) => {
      fillPoetryHashes(path.join(p.dir, 'poetry.lock'))
      write(
        p,
        'pyproject.toml',
        readFileSync(path.join(p.dir, 'pyproject.toml'), 'utf8').replace(/^flask = .*$/m, (l) => `${l}\nrequests = "^2.28"`),
      )
    },
    error: /error: poetry\.lock is out of step with the project: it does not lock requests/,
    hint: /hint: run `poetry lock`/,
  },
  {
    name: 'a Pipfile.lock out of step with its Pipfile: the package the Pipfile declares and the lock lacks',
    shape: 'classic-django',
    edit: (p) => {
      rmSync(path.join(p.dir, 'requirements.txt'))
      write(p, 'Pipfile', '[packages]\ndjango = "<4"\nrequests = "*"\n\n[dev-packages]\n')
      const pin = (version: string) => ({ version: `==${version}` })
      const lock = { _meta: { hash: { sha256: '0' } }, default: { django: pin('3.2.25'), asgiref: pin('3.6.0'), pytz: pin('2022.7.1'), sqlparse: pin('0.4.2') }, develop: {} }
      write(p, 'Pipfile.lock', JSON.stringify(lock, null, 4))
    },
    error: /error: Pipfile\.lock is out of step with the project: it does not lock requests/,
    hint: /hint: run `pipenv lock`/,
  },
  {
    name: "a lock's hash the index's file does not have",
    shape: 'poetry-lock',
    edit: (p) => fillPoetryHashes(path.join(p.dir, 'poetry.lock'), 'werkzeug'),
    error: /error: .*do(es)? not match poetry\.lock/,
    hint: /hint: the index serves other files than the lock was made from/,
  },
  {
    name: "a lock's version the index does not have: the package, the pin and what the index has",
    shape: 'poetry-lock',
    edit: (p) => {
      fillPoetryHashes(path.join(p.dir, 'poetry.lock'))
      write(
        p,
        'poetry.lock',
        readFileSync(path.join(p.dir, 'poetry.lock'), 'utf8')
          .replace(/name = "flask"\nversion = "2\.2\.2"/, 'name = "flask"\nversion = "2.3.0"')
          .replace(/\{file = "flask-2\.2\.2[^}]*\},?/, ''),
      )
    },
    error: /error: building wheels failed: poetry\.lock pins flask 2\.3\.0, which pip cannot install: the find-links folder \S*pyindex has only 2\.2\.2/,
    hint: /hint: update the lock/,
  },
  {
    name: 'settings that read an environment variable nobody set: the variable and the key',
    shape: 'django-nodb',
    task: ['release'],
    wheelsBuilt: true, // the wheels are right; the release image's collectstatic is what stops
    error: /error: building .*release.* failed: the settings \(nodbsite\.settings\) read the environment variable DJANGO_SECRET_KEY, which is not set/,
    hint: /hint: give it a placeholder for build-time steps in \.pypackagerc\.json: "release": \{ "env": \{ "DJANGO_SECRET_KEY"/,
  },
  {
    name: 'an app that reads a variable nobody set at import: smoke names the variable and the key, not a traceback',
    shape: 'uv-app',
    edit: (p) => write(p, 'app.py', readFileSync(path.join(p.dir, 'app.py'), 'utf8').replace('app = Flask(__name__)', 'import os\n\nSECRET = os.environ["APP_SECRET"]\napp = Flask(__name__)')),
    task: ['release', '--smoke'],
    wheelsBuilt: true, // the image is right; starting it is what stops
    error: /error: .*the app exited with code \d+ before answering: it reads the environment variable APP_SECRET, which is not set/,
    hint: /hint: set it in \.pypackagerc\.json: "release": \{ "env": \{ "APP_SECRET"/,
  },
  {
    name: 'two apps that could be served: both listed, and the key that chooses',
    shape: 'uv-app',
    edit: (p) => write(p, 'admin_app.py', 'from flask import Flask\n\nadmin = Flask(__name__)\n'),
    task: ['release'],
    error: /error: .* has 2 apps that could be served: admin_app:admin \(admin_app\.py\), app:app \(app\.py\)/,
    hint: /hint: choose one in \.pypackagerc\.json: "release": \{ "wsgi": /,
  },
]

for (const c of cases) {
  faults(c.name, async () => {
    const p = await adopt(c.shape, c.edit, c.config)
    try {
      const refused = existsSync(path.join(p.dir, '.init-output'))
      const r = refused ? { code: 1, stdout: '', stderr: readFileSync(path.join(p.dir, '.init-output'), 'utf8') } : await p.cli(c.task ?? ['build'])
      assert.is(r.code, 1, `exit 1:\n${all(r)}`)
      assert.match(r.stderr, c.error, `the error says what is wrong:\n${all(r)}`)
      assert.match(r.stderr, c.hint, `the hint says what to do:\n${r.stderr}`)
      assert.not.match(r.stderr, /Traceback|at .*\.js:\d+/, 'no stack trace')
      await assertLeftNothing(p, c.name, c.wheelsBuilt)
    } finally {
      await p.remove()
    }
  })
}

faults.run()
