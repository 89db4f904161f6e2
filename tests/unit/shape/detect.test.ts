import path from 'node:path'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { describeShape } from '../../../lib/render/shape.js'
import { detectShape, packaging, requirementFiles, requirementsToLock, serverFor, sqliteFiles, type Shape } from '../../../lib/shape/detect.js'
import type { Entry } from '../../../lib/shape/entry.js'
import { parsePyproject } from '../../../lib/shape/pyproject.js'
import { config } from '../helpers/config.js'
import { rejectedUserError, userError } from '../helpers/catch.js'
import { makeTemp, removeTemp, writeTree } from '../helpers/tmp.js'

const py = (...l: string[]) => l.join('\n') + '\n'

let tmp = ''
let n = 0
const project = (files: Record<string, string | null>) => writeTree(path.join(tmp, `p${++n}`), { ...files, '.keep': '' })
const withTemp = (s: { before: (fn: () => void) => void; after: (fn: () => void) => void }, label: string) => {
  s.before(() => {
    tmp = makeTemp(label)
  })
  s.after(() => removeTemp(tmp))
}

// What `django-admin startproject mysite` writes, trimmed to the lines the tool reads.
const MANAGE = (settings = 'mysite.settings') =>
  py(
    '#!/usr/bin/env python',
    'import os',
    'import sys',
    '',
    '',
    'def main():',
    `    os.environ.setdefault('DJANGO_SETTINGS_MODULE', '${settings}')`,
    '    from django.core.management import execute_from_command_line',
    '    execute_from_command_line(sys.argv)',
  )
const WSGI = (settings = 'mysite.settings') =>
  py('import os', '', 'from django.core.wsgi import get_wsgi_application', '', `os.environ.setdefault('DJANGO_SETTINGS_MODULE', '${settings}')`, '', 'application = get_wsgi_application()')
const ASGI = py(
  'import os',
  '',
  'from django.core.asgi import get_asgi_application',
  '',
  "os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'mysite.settings')",
  '',
  'application = get_asgi_application()',
)
const SETTINGS_SQLITE = py(
  'from pathlib import Path',
  '',
  'BASE_DIR = Path(__file__).resolve().parent.parent',
  "SECRET_KEY = 'django-insecure-abc'",
  "INSTALLED_APPS = ['django.contrib.admin', 'polls']",
  'DATABASES = {',
  "    'default': {",
  "        'ENGINE': 'django.db.backends.sqlite3',",
  "        'NAME': BASE_DIR / 'db.sqlite3',",
  '    }',
  '}',
  "STATIC_URL = 'static/'",
)
const SETTINGS_POSTGRES = py('DATABASES = {', "    'default': {", "        'ENGINE': 'django.db.backends.postgresql',", "        'NAME': 'shop',", "        'HOST': 'localhost',", '    }', '}')
const FLASK_APP = py('from flask import Flask', '', 'app = Flask(__name__)')
const FASTAPI_APP = py('from fastapi import FastAPI', '', 'app = FastAPI()')

/** The classic Django layout: manage.py, requirements.txt, the project package, one app. */
const CLASSIC_DJANGO = {
  'manage.py': MANAGE(),
  'requirements.txt': 'Django>=4.2,<5.0\n',
  'mysite/__init__.py': '',
  'mysite/settings.py': SETTINGS_SQLITE,
  'mysite/urls.py': py('from django.urls import path'),
  'mysite/wsgi.py': WSGI(),
  'mysite/asgi.py': ASGI,
  'polls/__init__.py': '',
  'polls/models.py': py('from django.db import models'),
  'polls/tests.py': py('from django.test import TestCase'),
  'polls/migrations/__init__.py': '',
  'polls/migrations/0001_initial.py': py('from django.db import migrations'),
}

// ---------------------------------------------------------------------------------------------
const Packaging = suite('packaging')
withTemp(Packaging, 'packaging')

const kinds: { name: string; files: Record<string, string>; pyproject?: string; want: ReturnType<typeof packaging> }[] = [
  {
    name: 'pyproject with a build backend: a package built by it',
    files: {},
    pyproject: py('[build-system]', 'requires = ["flit_core>=3.4"]', 'build-backend = "flit_core.buildapi"', '', '[project]', 'name = "lib"'),
    want: { kind: 'package', backend: 'flit_core.buildapi' },
  },
  {
    name: '[build-system] without build-backend: setuptools legacy',
    files: {},
    pyproject: py('[build-system]', 'requires = ["setuptools"]'),
    want: { kind: 'package', backend: 'setuptools.build_meta:__legacy__' },
  },
  { name: 'a bare setup.py', files: { 'setup.py': py('from setuptools import setup', 'setup(name="old")') }, want: { kind: 'package', backend: 'setup.py (setuptools)' } },
  {
    name: 'setup.py beside a pyproject without [build-system] (tool config only)',
    files: { 'setup.py': py('from setuptools import setup', 'setup()') },
    pyproject: py('[tool.black]', 'line-length = 100'),
    want: { kind: 'package', backend: 'setup.py (setuptools)' },
  },
  {
    name: 'pyproject without [build-system] (uv init --app): an application',
    files: { 'main.py': FASTAPI_APP },
    pyproject: py('[project]', 'name = "api"', 'version = "0.1.0"', 'requires-python = ">=3.12"', 'dependencies = ["fastapi>=0.115"]'),
    want: { kind: 'application', backend: "the tool's app wheel" },
  },
  { name: 'no packaging files at all: an application', files: { 'manage.py': MANAGE() }, want: { kind: 'application', backend: "the tool's app wheel" } },
]
for (const c of kinds) {
  Packaging(c.name, () => {
    const source = project(c.files)
    assert.equal(packaging(source, c.pyproject === undefined ? undefined : parsePyproject(c.pyproject)), c.want, `should be ${c.want.kind} built by ${c.want.backend}`)
  })
}

Packaging.run()

// ---------------------------------------------------------------------------------------------
const RequirementFiles = suite('requirementFiles')
withTemp(RequirementFiles, 'requirements')

const reqs: { name: string; files: Record<string, string>; configured?: string[]; want: string[] }[] = [
  { name: 'requirements.txt first', files: { 'requirements.txt': 'django\n', 'requirements/base.txt': 'django\n' }, want: ['requirements.txt'] },
  {
    name: 'requirements/production.txt before requirements/base.txt',
    files: { 'requirements/base.txt': 'django\n', 'requirements/production.txt': '-r base.txt\ngunicorn\n' },
    want: ['requirements/production.txt'],
  },
  { name: 'requirements/base.txt when there is no requirements.txt', files: { 'requirements/base.txt': 'django\n', 'requirements/local.txt': '-r base.txt\n' }, want: ['requirements/base.txt'] },
  {
    name: 'requirements-production.txt at the root before requirements-prod.txt and the requirements/ folder',
    files: { 'requirements-prod.txt': 'django\n', 'requirements-production.txt': 'django\n', 'requirements/base.txt': 'django\n' },
    want: ['requirements-production.txt'],
  },
  { name: 'requirements-prod.txt at the root', files: { 'requirements-prod.txt': 'django\n', 'requirements-dev.txt': 'pytest\n' }, want: ['requirements-prod.txt'] },
  { name: 'requirements/prod.txt before requirements/base.txt', files: { 'requirements/base.txt': 'django\n', 'requirements/prod.txt': '-r base.txt\n' }, want: ['requirements/prod.txt'] },
  { name: 'a development file alone is not the dependencies', files: { 'requirements-dev.txt': 'pytest\n' }, want: [] },
  { name: 'none', files: { 'manage.py': MANAGE() }, want: [] },
  {
    name: 'configured files, as given',
    files: { 'requirements.txt': 'x\n', 'deploy/web.txt': 'django\n', 'deploy/extra.txt': 'sentry-sdk\n' },
    configured: ['deploy/web.txt', 'deploy/extra.txt'],
    want: ['deploy/web.txt', 'deploy/extra.txt'],
  },
]
for (const c of reqs) {
  RequirementFiles(c.name, () => {
    assert.equal(requirementFiles(project(c.files), c.configured ?? null), c.want, `the requirement files should be ${JSON.stringify(c.want)}`)
  })
}

RequirementFiles('a configured file that does not exist is a UserError naming it and the key', () => {
  const source = project({ 'requirements.txt': 'django\n' })
  const e = userError(() => requirementFiles(source, ['requirements/prod.txt']), 'a missing requirements file')
  assert.match(e.message, '"requirements" names requirements/prod.txt', 'the message should name the key and the file')
})

RequirementFiles.run()

// ---------------------------------------------------------------------------------------------
const ServerFor = suite('serverFor')

const command = (target: string): Entry => ({ kind: 'command', target, framework: 'wsgi', from: 'Procfile' })
const servers: [string, Entry | undefined, string[]][] = [
  ['no entry', undefined, []],
  ['a WSGI entry', { kind: 'wsgi', target: 'mysite.wsgi:application', framework: 'django', from: 'mysite/wsgi.py' }, ['gunicorn']],
  ['an ASGI entry', { kind: 'asgi', target: 'main:app', framework: 'fastapi', from: 'main.py' }, ['gunicorn', 'uvicorn']],
  ['gunicorn command', command('gunicorn mysite.wsgi --log-file -'), ['gunicorn']],
  ['uvicorn command', command('uvicorn main:app --host 0.0.0.0 --port $PORT'), ['uvicorn']],
  ['waitress-serve command', command('waitress-serve --port=$PORT app:app'), ['waitress']],
  ['daphne command', command('daphne -b 0.0.0.0 -p $PORT mysite.asgi:application'), ['daphne']],
  ['hypercorn command', command('hypercorn main:app --bind 0.0.0.0:$PORT'), ['hypercorn']],
  ['leading spaces', command('  gunicorn app:app'), ['gunicorn']],
  ['a command that starts no known server', command('python manage.py runserver 0.0.0.0:$PORT'), []],
  ['a script', command('bin/start-web'), []],
]
for (const [name, entry, want] of servers) {
  ServerFor(`${name} → ${JSON.stringify(want)}`, () => {
    assert.equal(serverFor(entry), want, `${name} should need ${JSON.stringify(want)}`)
  })
}

ServerFor.run()

// ---------------------------------------------------------------------------------------------
const SqliteFiles = suite('sqliteFiles')
withTemp(SqliteFiles, 'sqlite')

const sqlite: { name: string; settings: string; want: string[] }[] = [
  { name: "BASE_DIR / 'db.sqlite3', not the ENGINE string", settings: SETTINGS_SQLITE, want: ['db.sqlite3'] },
  {
    name: 'os.path.join, two databases, one named twice',
    settings: py(
      'import os',
      'DATABASES = {',
      '    "default": {"ENGINE": "django.db.backends.sqlite3", "NAME": os.path.join(BASE_DIR, "data.db")},',
      '    "cache": {"ENGINE": "django.db.backends.sqlite3", "NAME": os.path.join(BASE_DIR, "cache.sqlite")},',
      '}',
      '# the default is data.db: "data.db"',
    ),
    want: ['data.db', 'cache.sqlite'],
  },
  { name: 'PostgreSQL only', settings: SETTINGS_POSTGRES, want: [] },
]
for (const c of sqlite) {
  SqliteFiles(c.name, () => {
    const source = project({ 'mysite/settings.py': c.settings })
    assert.equal(sqliteFiles(source, 'mysite.settings'), c.want, `the sqlite files should be ${JSON.stringify(c.want)}`)
  })
}

SqliteFiles('a settings module that is not in the source: none', () => {
  assert.equal(sqliteFiles(project({ 'manage.py': MANAGE() }), 'mysite.settings'), [], 'missing settings should give no sqlite files')
})

SqliteFiles.run()

// ---------------------------------------------------------------------------------------------
const DetectShape = suite('detectShape')
withTemp(DetectShape, 'shape')

DetectShape('classic Django: manage.py, requirements.txt, mysite/wsgi.py, a sqlite database', async () => {
  const shape = await detectShape(project(CLASSIC_DJANGO), config())
  assert.is(shape.kind, 'application', 'no packaging metadata: an application')
  assert.is(shape.backend, "the tool's app wheel", 'the tool packs it')
  assert.equal(shape.requirements, ['requirements.txt'], 'dependencies from requirements.txt')
  assert.equal(shape.declared, [], 'nothing declared by a pyproject')
  assert.is(shape.pyproject, undefined, 'no pyproject.toml')
  assert.is(shape.lock, undefined, 'no lock file')
  assert.is(shape.entry?.kind, 'wsgi', 'served as WSGI')
  assert.is(shape.entry?.target, 'mysite.wsgi:application', "served from Django's wsgi.py")
  assert.is(shape.entry?.framework, 'django', 'a Django entry')
  assert.is(shape.entry?.from, 'mysite/wsgi.py', 'found in mysite/wsgi.py')
  assert.is(shape.settings, 'mysite.settings', 'settings from wsgi.py')
  assert.is(shape.releaseCommand, 'python -m django migrate --noinput', "the release phase is Django's migrate")
  assert.equal(shape.sqlite, ['db.sqlite3'], "only db.sqlite3, not 'django.db.backends.sqlite3'")
  assert.equal(shape.server, ['gunicorn'], 'gunicorn serves WSGI')
  assert.equal(shape.tests.command, ['python', 'manage.py', 'test'], "Django's test runner through manage.py")
  assert.equal(shape.tests.tools, { kind: 'none' }, 'no test tools declared')
})

DetectShape('Django settings from wsgi.py, not manage.py (cookiecutter-django: local vs production)', async () => {
  const source = project({
    'manage.py': MANAGE('config.settings.local'),
    'requirements/base.txt': 'django\n',
    'requirements/local.txt': '-r base.txt\n',
    'config/__init__.py': '',
    'config/settings/__init__.py': '',
    'config/settings/production.py': SETTINGS_POSTGRES,
    'config/wsgi.py': WSGI('config.settings.production'),
  })
  const shape = await detectShape(source, config())
  assert.is(shape.settings, 'config.settings.production', 'the settings wsgi.py sets are the ones the server uses')
  assert.equal(shape.requirements, ['requirements/base.txt'], 'requirements/base.txt when there is no requirements.txt')
  assert.equal(shape.sqlite, [], 'PostgreSQL: no sqlite files')
})

DetectShape('Django without wsgi.py: settings from manage.py, nothing to serve', async () => {
  const source = project({ 'manage.py': MANAGE(), 'requirements.txt': 'django\n', 'mysite/__init__.py': '', 'mysite/settings.py': SETTINGS_SQLITE })
  const shape = await detectShape(source, config())
  assert.is(shape.entry, undefined, 'no wsgi.py: no entry')
  assert.is(shape.settings, 'mysite.settings', 'settings from manage.py')
  assert.is(shape.releaseCommand, 'python -m django migrate --noinput', 'Django: migrate in the release phase')
  assert.equal(shape.server, [], 'no entry: no server')
})

DetectShape("a Pipfile application: the Pipfile's [packages] declared (not the lock's pins), [dev-packages] the test tools", async () => {
  const lock = { _meta: { hash: { sha256: '0' } }, default: { django: { version: '==3.2.25' }, asgiref: { version: '==3.6.0' } }, develop: { pytest: { version: '==7.2.1' } } }
  const source = project({
    'manage.py': MANAGE(),
    'mysite/__init__.py': '',
    'mysite/settings.py': SETTINGS_SQLITE,
    'mysite/wsgi.py': WSGI(),
    Pipfile: py('[packages]', 'django = "<4"', 'requests = "*"', '', '[dev-packages]', 'pytest = "*"'),
    'Pipfile.lock': JSON.stringify(lock),
  })
  const shape = await detectShape(source, config())
  assert.equal(shape.declared, ['django<4', 'requests'], 'the app wheel declares what the Pipfile does')
  assert.equal(shape.pipfile, { packages: ['django<4', 'requests'], devPackages: ['pytest'] })
  assert.equal(shape.tests.tools, { kind: 'group', name: 'Pipfile [dev-packages]', requirements: ['pytest'] })
  assert.equal(requirementsToLock(shape), ['django<4', 'requests'], 'the lock is checked against the Pipfile: requests is not locked')
})

DetectShape('a Pipfile.lock without its Pipfile: the runtime pins are what the app declares', async () => {
  const lock = { default: { flask: { version: '==2.2.2' } }, develop: {} }
  const shape = await detectShape(project({ 'app.py': FLASK_APP, 'Pipfile.lock': JSON.stringify(lock) }), config())
  assert.equal(shape.declared, ['flask==2.2.2'])
  assert.is(shape.pipfile, undefined)
})

DetectShape('a Flask app with only requirements-prod.txt: that file, and init says so', async () => {
  const shape = await detectShape(project({ 'app.py': FLASK_APP, 'requirements-prod.txt': 'flask\ngunicorn\n', 'requirements-dev.txt': '-r requirements-prod.txt\npytest\n' }), config())
  assert.equal(shape.requirements, ['requirements-prod.txt'], 'the production file holds the dependencies')
  assert.equal(shape.tests.tools, { kind: 'requirements', files: ['requirements-dev.txt'] }, 'the dev file holds the test tools')
  assert.match(describeShape(shape)[0], /; dependencies from requirements-prod\.txt$/, "init's project line names the file")
})

DetectShape('a flit package with a Flask app and a test extra', async () => {
  const source = project({
    'pyproject.toml': py(
      '[build-system]',
      'requires = ["flit_core>=3.4"]',
      'build-backend = "flit_core.buildapi"',
      '',
      '[project]',
      'name = "shop"',
      'version = "1.0"',
      'dependencies = ["flask>=3"]',
      '',
      '[project.optional-dependencies]',
      'test = ["pytest"]',
    ),
    'requirements.txt': 'flask==3.0.3\n',
    'shop/__init__.py': '',
    'shop/app.py': FLASK_APP,
  })
  const shape = await detectShape(source, config())
  assert.is(shape.kind, 'package', 'a build backend: a package')
  assert.is(shape.backend, 'flit_core.buildapi', 'built by flit')
  assert.equal(shape.requirements, [], 'a package: pip reads its metadata, not requirements.txt')
  assert.equal(shape.declared, [], 'a package declares through its metadata')
  assert.equal(shape.entry, { kind: 'wsgi', target: 'shop.app:app', framework: 'flask', from: 'shop/app.py' }, 'the Flask object')
  assert.is(shape.settings, undefined, 'not Django: no settings')
  assert.is(shape.releaseCommand, undefined, 'not Django: no release phase')
  assert.equal(shape.tests.tools, { kind: 'extra', name: 'test' }, 'test tools from the test extra')
  assert.equal(shape.tests.command, ['python', '-m', 'pytest'], 'pytest')
})

DetectShape('a uv application: [project] dependencies declared, a FastAPI app served as ASGI', async () => {
  const source = project({
    'pyproject.toml': py('[project]', 'name = "api"', 'version = "0.1.0"', 'dependencies = ["fastapi>=0.115", "sqlmodel"]', '', '[dependency-groups]', 'dev = ["pytest>=8", "httpx"]'),
    'main.py': FASTAPI_APP,
  })
  const shape = await detectShape(source, config())
  assert.is(shape.kind, 'application', 'no [build-system]: an application')
  assert.equal(shape.declared, ['fastapi>=0.115', 'sqlmodel'], 'the app wheel declares the [project] dependencies')
  assert.equal(shape.requirements, [], 'no requirement files')
  assert.equal(shape.entry, { kind: 'asgi', target: 'main:app', framework: 'fastapi', from: 'main.py' }, 'the FastAPI app')
  assert.equal(shape.server, ['gunicorn', 'uvicorn'], 'gunicorn with uvicorn workers')
  assert.equal(shape.tests.tools, { kind: 'group', name: 'dev', requirements: ['pytest>=8', 'httpx'] }, 'the PEP 735 dev group')
})

DetectShape('a Procfile: the web: line is served, its first word is the server, release: is the release phase', async () => {
  const source = project({ 'requirements.txt': 'flask\nwaitress\n', 'app.py': FLASK_APP, Procfile: 'web: waitress-serve --port=$PORT app:app\nrelease: flask db upgrade\n' })
  const shape = await detectShape(source, config())
  assert.equal(shape.entry, { kind: 'command', target: 'waitress-serve --port=$PORT app:app', framework: 'flask', from: 'Procfile' }, 'the web: line, the framework still found')
  assert.equal(shape.server, ['waitress'], 'waitress-serve is provided by waitress')
  assert.is(shape.releaseCommand, 'flask db upgrade', 'the release: line')
})

DetectShape("a Procfile's release: line replaces Django's migrate", async () => {
  const source = project({ ...CLASSIC_DJANGO, Procfile: 'release: python manage.py migrate && python manage.py createcachetable\nweb: gunicorn mysite.wsgi\n' })
  const shape = await detectShape(source, config())
  assert.is(shape.entry?.kind, 'command', 'the Procfile is served')
  assert.is(shape.entry?.framework, 'django', 'the framework is still Django')
  assert.is(shape.releaseCommand, 'python manage.py migrate && python manage.py createcachetable', 'the release: line, not the default migrate')
  assert.is(shape.settings, 'mysite.settings', 'settings still found')
})

DetectShape('Django with DATABASES = {}: no database, so no release phase (migrate would fail)', async () => {
  const source = project({ ...CLASSIC_DJANGO, 'mysite/settings.py': py("SECRET_KEY = 'x'", "INSTALLED_APPS = ['django.contrib.staticfiles']", 'DATABASES = {}') })
  const shape = await detectShape(source, config())
  assert.is(shape.settings, 'mysite.settings', 'still Django')
  assert.is(shape.database, false, 'the settings define no database')
  assert.is(shape.releaseCommand, undefined, 'no default release phase')
  assert.is((await detectShape(project(CLASSIC_DJANGO), config())).database, true, 'an sqlite database is a database')
  assert.is((await detectShape(source, config({ release: { releaseCommand: 'python manage.py check' } }))).releaseCommand, 'python manage.py check', 'a configured release phase still runs')
})

DetectShape("a Django Procfile web: line: the app it names is wrapped by the tool's static-file server", async () => {
  const shape = await detectShape(project({ ...CLASSIC_DJANGO, Procfile: 'web: gunicorn mysite.wsgi --log-file -\n' }), config())
  assert.equal(shape.wrapped, { command: 'gunicorn pypackage_serve:wsgi --log-file -', callable: 'mysite.wsgi:application', interface: 'wsgi' }, 'the command with the wrapper in place of the app')
  const flask = await detectShape(project({ 'requirements.txt': 'flask\n', 'app.py': FLASK_APP, Procfile: 'web: gunicorn app:app\n' }), config())
  assert.is(flask.wrapped, undefined, 'not Django: the command runs as it is')
})

DetectShape('a Flask app.py: the sqlite file it opens by a relative name, its static folder', async () => {
  const app = py('import sqlite3', 'from flask import Flask', '', 'app = Flask(__name__)', 'DB = "sqlite:///visits.db"')
  const shape = await detectShape(project({ 'requirements.txt': 'flask\n', 'app.py': app, 'static/site.css': '' }), config())
  assert.equal(shape.sqlite, ['visits.db'], 'made writable in /app/data')
  assert.equal(shape.static, { kind: 'flask', folder: 'static', url: '/static' }, "Flask's static folder")
  assert.is(shape.wrapped, undefined, 'nothing to wrap')
})

const overrides: { name: string; files: Record<string, string>; release: Record<string, unknown>; want: Partial<Entry>; server: string[]; releaseCommand?: string }[] = [
  {
    name: 'release.wsgi over a Procfile and the found app',
    files: { 'requirements.txt': 'flask\n', 'app.py': FLASK_APP, Procfile: 'web: gunicorn app:app\n' },
    release: { wsgi: 'app:make_app()' },
    want: { kind: 'wsgi', target: 'app:make_app()', framework: 'flask', from: '.pypackagerc.json' },
    server: ['gunicorn'],
  },
  {
    name: 'release.asgi',
    files: { 'requirements.txt': 'fastapi\n', 'main.py': FASTAPI_APP },
    release: { asgi: 'main:api' },
    want: { kind: 'asgi', target: 'main:api', from: '.pypackagerc.json' },
    server: ['gunicorn', 'uvicorn'],
  },
  {
    name: 'release.command over a Procfile',
    files: { 'requirements.txt': 'fastapi\n', 'main.py': FASTAPI_APP, Procfile: 'web: gunicorn main:app\n' },
    release: { command: 'uvicorn main:app --host 0.0.0.0 --port $PORT' },
    want: { kind: 'command', target: 'uvicorn main:app --host 0.0.0.0 --port $PORT', framework: 'fastapi', from: '.pypackagerc.json' },
    server: ['uvicorn'],
  },
  {
    name: 'release.settings and release.releaseCommand over what Django and the Procfile say',
    files: { ...CLASSIC_DJANGO, Procfile: 'web: gunicorn mysite.wsgi\nrelease: python manage.py migrate\n' },
    release: { settings: 'mysite.settings_prod', releaseCommand: 'python manage.py migrate --database=primary' },
    want: { kind: 'command', target: 'gunicorn mysite.wsgi', from: 'Procfile' },
    server: ['gunicorn'],
    releaseCommand: 'python manage.py migrate --database=primary',
  },
]
for (const c of overrides) {
  DetectShape(`config: ${c.name}`, async () => {
    const shape = await detectShape(project(c.files), config({ release: c.release }))
    for (const [k, v] of Object.entries(c.want)) assert.is(shape.entry?.[k as keyof Entry], v, `entry.${k} should be ${v}`)
    assert.equal(shape.server, c.server, `the server should be ${JSON.stringify(c.server)}`)
    if (c.releaseCommand) assert.is(shape.releaseCommand, c.releaseCommand, `the release phase should be ${c.releaseCommand}`)
    if (c.release.settings) assert.is(shape.settings, c.release.settings, 'the configured settings should win')
  })
}

DetectShape('a folder with nothing Python is a UserError naming it and "source"', async () => {
  const source = project({ 'README.md': '# site\n', 'index.html': '<h1>hi</h1>\n', 'scripts/deploy.sh': 'echo\n' })
  const e = await rejectedUserError(detectShape(source, config()), 'a folder without Python')
  assert.match(e.message, source, 'the message should name the folder')
  assert.match(e.message, 'no Python project', 'the message should say what is missing')
  assert.match(e.hint ?? '', '"source"', 'the hint should name the "source" key')
})

DetectShape.run()

// ---------------------------------------------------------------------------------------------
const RequirementsToLock = suite('requirementsToLock')

RequirementsToLock("a package's [project] dependencies, plus a Pipfile's [packages] when the lock is pipenv's", () => {
  const pyproject = parsePyproject(py('[project]', 'name = "shop"', 'dependencies = ["flask>=2"]'))
  const lock = { file: 'Pipfile.lock', kind: 'pipenv' as const, packages: [] }
  const pipfile = { packages: ['flask>=2', 'gunicorn'], devPackages: [] }
  assert.equal(requirementsToLock({ kind: 'package', pyproject, declared: [], lock, pipfile }), ['flask>=2', 'gunicorn'])
  assert.equal(requirementsToLock({ kind: 'package', pyproject, declared: [], lock: { ...lock, kind: 'poetry', file: 'poetry.lock' }, pipfile }), ['flask>=2'], 'a poetry lock: the pyproject only')
  assert.equal(requirementsToLock({ kind: 'application', declared: ['django'], lock }), ['django'], 'no Pipfile: what the app declares')
})

RequirementsToLock.run()

// ---------------------------------------------------------------------------------------------
const DescribeShape = suite('describeShape')

/** A shape with nothing found; each case adds what its project has. */
const shape = (s: Partial<Shape>): Shape => ({
  kind: 'application',
  backend: "the tool's app wheel",
  requirements: [],
  declared: [],
  sqlite: [],
  tests: { tools: { kind: 'none' }, command: ['python', '-m', 'pytest'] },
  server: [],
  ...s,
})

const descriptions: { name: string; shape: Shape; want: RegExp[]; absent: string[] }[] = [
  {
    name: 'classic Django application',
    shape: shape({
      requirements: ['requirements.txt'],
      entry: { kind: 'wsgi', target: 'mysite.wsgi:application', framework: 'django', from: 'mysite/wsgi.py' },
      settings: 'mysite.settings',
      releaseCommand: 'python -m django migrate --noinput',
      sqlite: ['db.sqlite3'],
      server: ['gunicorn'],
      tests: { tools: { kind: 'none' }, command: ['python', 'manage.py', 'test'] },
    }),
    want: [
      /^project: Django application without packaging metadata: the tool packs its code into a wheel; dependencies from requirements\.txt$/,
      /^serves: mysite\.wsgi:application \(WSGI, found in mysite\/wsgi\.py\) with gunicorn \(added by the tool/,
      /^settings: mysite\.settings;/,
      /^release phase: python -m django migrate --noinput /,
      /^sqlite: db\.sqlite3 next to the code/,
      /^tests: python manage\.py test \(test tools: no test tools declared\)$/,
    ],
    absent: ['lock:'],
  },
  {
    name: 'a Flask package built by flit',
    shape: shape({
      kind: 'package',
      backend: 'flit_core.buildapi',
      entry: { kind: 'wsgi', target: 'shop.app:app', framework: 'flask', from: 'shop/app.py' },
      server: ['gunicorn'],
      tests: { tools: { kind: 'extra', name: 'test' }, command: ['python', '-m', 'pytest'] },
    }),
    want: [
      /^project: Flask package, built by flit_core\.buildapi$/,
      /^serves: shop\.app:app \(WSGI, found in shop\/app\.py\) with gunicorn \(added by the tool/,
      /^tests: python -m pytest \(test tools: the "test" extra\)$/,
    ],
    absent: ['settings:', 'release phase:', 'sqlite:', 'lock:'],
  },
  {
    name: 'a uv FastAPI application with a lock',
    shape: shape({
      declared: ['fastapi>=0.115', 'sqlmodel'],
      entry: { kind: 'asgi', target: 'main:app', framework: 'fastapi', from: 'main.py' },
      server: ['gunicorn', 'uvicorn'],
      lock: {
        file: 'uv.lock',
        kind: 'uv',
        packages: [
          { name: 'fastapi', version: '0.115.0', hashes: ['sha256:' + 'a'.repeat(64)], groups: ['main'] },
          { name: 'api', version: '', hashes: [], groups: ['main'] },
        ],
      },
      tests: { tools: { kind: 'group', name: 'dev', requirements: ['pytest'] }, command: ['python', '-m', 'pytest'] },
    }),
    want: [
      /^project: FastAPI application without packaging metadata: the tool packs its code into a wheel; 2 dependencies declared$/,
      /^serves: main:app \(ASGI, found in main\.py\) with gunicorn with uvicorn workers \(added by the tool/,
      /^tests: python -m pytest \(test tools: the dependency group dev\)$/,
      /^lock: uv\.lock \(2 packages, hashes for 1\)$/,
    ],
    absent: ['settings:', 'release phase:'],
  },
  {
    name: 'a Procfile command with a release: line',
    shape: shape({
      requirements: ['requirements.txt'],
      entry: { kind: 'command', target: 'waitress-serve --port=$PORT app:app', framework: 'flask', from: 'Procfile' },
      releaseCommand: 'flask db upgrade',
      server: ['waitress'],
    }),
    want: [/^project: Flask application /, /^serves: waitress-serve --port=\$PORT app:app \(from Procfile\)$/, /^release phase: flask db upgrade /],
    absent: ['settings:'],
  },
  {
    name: 'a setup.py library with nothing to serve',
    shape: shape({ kind: 'package', backend: 'setup.py (setuptools)' }),
    want: [
      /^project: Python package, built by setup\.py \(setuptools\)$/,
      /^serves: nothing found: set "release\.wsgi" \(or "asgi", "command"\) in \.pypackagerc\.json, or add a Procfile$/,
      /^static files: none found$/,
    ],
    absent: ['settings:', 'release phase:', 'sqlite:', 'lock:'],
  },
  {
    name: 'Django without a database',
    shape: shape({ entry: { kind: 'wsgi', target: 'site.wsgi:application', framework: 'django', from: 'site/wsgi.py' }, settings: 'site.settings', database: false }),
    want: [/^settings: site\.settings; static files collected at build .* served at STATIC_URL$/, /^release phase: none: the settings define no database \(DATABASES is empty\)/],
    absent: ['static files:', 'sqlite:'],
  },
  {
    name: 'Django served by a Procfile command the tool wraps',
    shape: shape({
      entry: { kind: 'command', target: 'gunicorn mysite.wsgi --log-file -', framework: 'django', from: 'Procfile' },
      settings: 'mysite.settings',
      database: true,
      wrapped: { command: 'gunicorn pypackage_serve:wsgi --log-file -', callable: 'mysite.wsgi:application', interface: 'wsgi' },
    }),
    want: [/^settings: mysite\.settings; .* served at STATIC_URL \(the tool wraps mysite\.wsgi:application in the Procfile command\)$/],
    absent: ['static files:'],
  },
  {
    name: 'Django served by a command that names no app',
    shape: shape({ entry: { kind: 'command', target: 'bin/web', framework: 'django', from: 'Procfile' }, settings: 'mysite.settings', database: true }),
    want: [/^settings: mysite\.settings; .* served at STATIC_URL only if the app does it \(WhiteNoise\): the Procfile command names no app the tool can wrap$/],
    absent: [],
  },
  {
    name: "Flask's static folder",
    shape: shape({ entry: { kind: 'wsgi', target: 'app:app', framework: 'flask', from: 'app.py' }, static: { kind: 'flask', folder: 'static', url: '/static' }, sqlite: ['visits.db'] }),
    want: [/^static files: static\/, Flask's static folder, served by the app at \/static$/, /^sqlite: visits\.db /],
    absent: ['settings:'],
  },
  {
    name: 'a StaticFiles mount',
    shape: shape({ entry: { kind: 'asgi', target: 'main:app', framework: 'fastapi', from: 'main.py' }, static: { kind: 'mount', folder: 'public', url: '/assets' } }),
    want: [/^static files: public\/, a StaticFiles mount, served by the app at \/assets$/],
    absent: [],
  },
  {
    name: "a static/ folder the app's own routes serve",
    shape: shape({ entry: { kind: 'wsgi', target: 'greeter.wsgi:application', framework: 'wsgi', from: 'greeter/wsgi.py' }, static: { kind: 'folder', folder: 'greeter/static' } }),
    want: [/^static files: greeter\/static\/, served by the app's own routes \(the tool serves static files only for Django\)$/],
    absent: [],
  },
  {
    name: 'Django settings without an entry',
    shape: shape({ requirements: ['requirements/base.txt'], settings: 'config.settings', releaseCommand: 'python -m django migrate --noinput' }),
    want: [/^project: Django application .*; dependencies from requirements\/base\.txt$/, /^serves: nothing found/, /^settings: config\.settings;/],
    absent: ['sqlite:'],
  },
]
for (const c of descriptions) {
  DescribeShape(c.name, () => {
    const lines = describeShape(c.shape)
    for (const want of c.want)
      assert.ok(
        lines.some((l) => want.test(l)),
        `a line should match ${want}; got:\n${lines.join('\n')}`,
      )
    for (const prefix of c.absent)
      assert.not.ok(
        lines.some((l) => l.startsWith(prefix)),
        `no line should start with "${prefix}"; got:\n${lines.join('\n')}`,
      )
    assert.ok(lines[0].startsWith('project: ') && lines[1].startsWith('serves: '), 'the first two lines should be project: and serves:')
  })
}

DescribeShape.run()
