import { spawnSync } from 'node:child_process'
import { chmodSync, readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { PACK_APP_PY } from '../../../lib/pipeline/pack-app.js'
import { makeTemp, removeTemp, writeTree } from '../helpers/tmp.js'
import { python39SyntaxError } from './helpers/python.js'

// lib/pipeline/pack-app.ts: the wheel of an application without packaging metadata, made by the
// script the builder runs (PACK_APP_PY), run here by the host's python3 on temp folders; the
// wheel is then read back with python3's zipfile.

let dir: string
let script: string
const S = suite('PACK_APP_PY')
S.before.each(() => {
  dir = makeTemp('pack-app')
  script = path.join(dir, 'pack_app.py')
  writeFileSync(script, PACK_APP_PY)
})
S.after.each(() => removeTemp(dir))

/** A Django application as people keep one, with what must never be packed beside it. */
const APP = {
  'manage.py': 'import os\n',
  'mysite/__init__.py': '',
  'mysite/settings.py': 'DEBUG = False\n',
  'polls/__init__.py': '',
  'polls/views.py': 'def index(request): ...\n',
  'polls/templates/polls/index.html': '<h1>Polls</h1>\n',
  'polls/__pycache__/views.cpython-311.pyc': 'bytecode',
  'polls/migrations/0001_initial.py': '',
  'static/app.css': 'body {}\n',
  'locale/fr/LC_MESSAGES/django.po': '',
  'conftest.py': '',
  'setup.py': '',
  'tests/test_views.py': '',
  'docs/index.md': '',
  'media/upload.png': '',
  'docker/release/Dockerfile': '',
  'wheelhouse/x.whl': '',
  'node_modules/left-pad/index.js': '',
  '.env': 'SECRET=1',
  '.env.local': 'SECRET=2',
  '.git/HEAD': '',
  'db.sqlite3': '',
  'debug.log': '',
  'polls/.env.production': '',
  'polls/cache.db': '',
  'venv/pyvenv.cfg': '',
  'venv/lib/site.py': '',
  'myenv/pyvenv.cfg': '',
  'myenv/bin/python': '',
  'polls/localenv/pyvenv.cfg': '', // a virtualenv inside a package folder
  'polls/localenv/lib/site.py': '',
  'requirements.txt': 'Django==4.2.11\n',
  'README.md': '',
}

/** Run the packer: `python3 pack_app.py SRC OUT NAME VERSION REQUIRES_JSON`. */
function pack(src: string, name = 'mysite', version = '0.0.0', requires: string[] = ['Django==4.2.11'], env: Record<string, string> = {}) {
  const out = path.join(dir, 'out')
  const r = spawnSync('python3', [script, src, out, name, version, JSON.stringify(requires)], { encoding: 'utf8', env: { ...process.env, ...env } })
  return { code: r.status, output: r.stdout + r.stderr, out }
}

interface WheelView {
  names: string[]
  texts: Record<string, string>
  modes: Record<string, string>
  times: string[]
  recordOk: boolean
}

/** What the wheel holds: names in order, the dist-info files' text, each member's mode and time, and whether RECORD matches. */
function readWheel(file: string): WheelView {
  const py = String.raw`
import base64, hashlib, json, sys, zipfile
z = zipfile.ZipFile(sys.argv[1])
infos = z.infolist()
names = [i.filename for i in infos]
texts = {n: z.read(n).decode() for n in names if ".dist-info/" in n}
record = [l.split(",") for l in texts[next(n for n in names if n.endswith("/RECORD"))].splitlines()]
ok = all(p.endswith("/RECORD") or h == "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(z.read(p)).digest()).rstrip(b"=").decode() and int(s) == len(z.read(p)) for p, h, s in record)
ok = ok and sorted(p for p, _, _ in record) == sorted(names)
print(json.dumps({"names": names, "texts": texts, "modes": {i.filename: oct((i.external_attr >> 16) & 0o777) for i in infos},
                  "times": sorted({"%04d-%02d-%02d" % i.date_time[:3] for i in infos}), "recordOk": ok}))
`
  const r = spawnSync('python3', ['-c', py, file], { encoding: 'utf8' })
  assert.is(r.status, 0, r.stderr)
  return JSON.parse(r.stdout) as WheelView
}

S('is Python 3.9 syntax', () => {
  assert.is(python39SyntaxError(script), '')
})

S("packs the app's modules and folders with their data, and nothing that is not the app", () => {
  const src = writeTree(path.join(dir, 'src'), APP)
  const r = pack(src)
  assert.is(r.code, 0, r.output)
  assert.match(r.output, /packed mysite-0\.0\.0-py3-none-any\.whl \(9 files: manage, mysite, polls\)/, r.output)
  const wheel = readWheel(path.join(r.out, 'mysite-0.0.0-py3-none-any.whl'))
  assert.equal(
    wheel.names.filter((n) => !n.includes('.dist-info/')),
    [
      'locale/fr/LC_MESSAGES/django.po',
      'manage.py',
      'mysite/__init__.py',
      'mysite/settings.py',
      'polls/__init__.py',
      'polls/views.py',
      'polls/migrations/0001_initial.py',
      'polls/templates/polls/index.html',
      'static/app.css',
    ],
    'in a fixed order (top entries sorted, each folder walked files first); no tests, docs, media, docker, wheelhouse, node_modules, virtualenvs, .env*, VCS, sqlite, logs, caches, setup/conftest',
  )
})

S("a src layout: src/'s packages and data at the root, as setuptools installs them, beside manage.py (entry detection names them without src.)", () => {
  const src = writeTree(path.join(dir, 'proj'), {
    'manage.py': 'import os\n',
    'src/mysite/__init__.py': '',
    'src/mysite/settings.py': 'DEBUG = False\n',
    'src/mysite/wsgi.py': '',
    'src/templates/base.html': '<html></html>\n',
    'src/tests/test_x.py': '',
    'src/mysite/__pycache__/settings.cpython-311.pyc': '',
    'static/site.css': 'body {}\n',
    'tests/test_views.py': '',
  })
  const r = pack(src)
  assert.is(r.code, 0, r.output)
  assert.match(r.output, /\(6 files: manage, mysite\)/, r.output)
  const wheel = readWheel(path.join(r.out, 'mysite-0.0.0-py3-none-any.whl'))
  assert.equal(
    wheel.names.filter((n) => !n.includes('.dist-info/')),
    ['manage.py', 'static/site.css', 'mysite/__init__.py', 'mysite/settings.py', 'mysite/wsgi.py', 'templates/base.html'],
    'no src/ prefix, no tests (in src/ or not), no caches',
  )
  assert.is(wheel.texts['mysite-0.0.0.dist-info/top_level.txt'], 'manage\nmysite\n')
  assert.ok(wheel.recordOk)
})

S('a src/ folder that is a package itself (src/__init__.py) stays one: src/…', () => {
  const src = writeTree(path.join(dir, 'proj'), { 'src/__init__.py': '', 'src/app.py': '' })
  const wheel = readWheel(path.join(pack(src, 'app').out, 'app-0.0.0-py3-none-any.whl'))
  assert.equal(
    wheel.names.filter((n) => !n.includes('.dist-info/')),
    ['src/__init__.py', 'src/app.py'],
  )
})

S('README.md at the top is not packed (only modules and folders are)', () => {
  const src = writeTree(path.join(dir, 'src'), { 'app.py': '', 'README.md': '' })
  const wheel = readWheel(path.join(pack(src, 'app').out, 'app-0.0.0-py3-none-any.whl'))
  assert.not.ok(wheel.names.includes('README.md'), wheel.names.join(', '))
})

S('metadata: name, version, requirements; top_level.txt names the importable tops; RECORD hashes every file', () => {
  const src = writeTree(path.join(dir, 'src'), APP)
  const wheel = readWheel(path.join(pack(src, 'My-Site', '1.2', ['Django==4.2.11', 'gunicorn']).out, 'my_site-1.2-py3-none-any.whl'))
  assert.is(
    wheel.texts['my_site-1.2.dist-info/METADATA'],
    'Metadata-Version: 2.1\nName: My-Site\nVersion: 1.2\nSummary: My-Site, packed by pypackage-tasks (no packaging metadata)\nRequires-Dist: Django==4.2.11\nRequires-Dist: gunicorn\n',
  )
  assert.is(wheel.texts['my_site-1.2.dist-info/WHEEL'], 'Wheel-Version: 1.0\nGenerator: pypackage-tasks\nRoot-Is-Purelib: true\nTag: py3-none-any\n')
  assert.is(wheel.texts['my_site-1.2.dist-info/top_level.txt'], 'manage\nmysite\npolls\n', 'modules and packages (with __init__.py), not data folders')
  assert.ok(wheel.recordOk, 'RECORD lists every member with its sha256 and size')
})

S('deterministic: the same sources give the same bytes, dated from SOURCE_DATE_EPOCH (never before 1980)', () => {
  const src = writeTree(path.join(dir, 'src'), APP)
  const env = { SOURCE_DATE_EPOCH: '1700000000' }
  const file = path.join(dir, 'out/mysite-0.0.0-py3-none-any.whl')
  pack(src, undefined, undefined, undefined, env)
  const first = readFileSync(file)
  pack(src, undefined, undefined, undefined, env)
  assert.ok(readFileSync(file).equals(first), 'byte-identical')
  assert.equal(readWheel(file).times, ['2023-11-14'])
  pack(src, undefined, undefined, undefined, { SOURCE_DATE_EPOCH: '0' })
  assert.equal(readWheel(file).times, ['1980-01-01'], 'zip cannot hold dates before 1980')
})

S('an executable file stays executable; others are 0644', () => {
  const src = writeTree(path.join(dir, 'src'), { 'app.py': '', 'bin/run.sh': '#!/bin/sh\n' })
  chmodSync(path.join(src, 'bin/run.sh'), 0o755)
  const wheel = readWheel(path.join(pack(src, 'app').out, 'app-0.0.0-py3-none-any.whl'))
  assert.is(wheel.modes['bin/run.sh'], '0o755')
  assert.is(wheel.modes['app.py'], '0o644')
})

S('nothing to pack: exit 1 with one error line, no traceback', () => {
  const src = writeTree(path.join(dir, 'src'), { 'tests/test_x.py': '', 'README.md': '', '.env': '' })
  const r = pack(src)
  assert.is(r.code, 1)
  assert.is(r.output.trim(), `error: ${src} holds no Python package or module to pack`)
})

S.run()
