import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { candidatesIn, chooseEntry, findEntry, moduleOf } from '../../../lib/shape/entry.js'
import { rejectedUserError, userError } from '../helpers/catch.js'
import { makeTemp, removeTemp, writeTree } from '../helpers/tmp.js'

const py = (...l: string[]) => l.join('\n') + '\n'

// Real-world files, trimmed: what `django-admin startproject`, the Flask tutorial and the
// FastAPI / Starlette docs generate.
const DJANGO_WSGI = (settings: string, quote = "'") =>
  py(
    '"""WSGI config for mysite project."""',
    '',
    'import os',
    '',
    'from django.core.wsgi import get_wsgi_application',
    '',
    `os.environ.setdefault(${quote}DJANGO_SETTINGS_MODULE${quote}, ${quote}${settings}${quote})`,
    '',
    'application = get_wsgi_application()',
  )
const DJANGO_ASGI = py(
  'import os',
  '',
  'from django.core.asgi import get_asgi_application',
  '',
  "os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'mysite.settings')",
  '',
  'application = get_asgi_application()',
)
const FLASK_APP = py('from flask import Flask', '', 'app = Flask(__name__)', '', '', '@app.route("/")', 'def index():', '    return "hello"')
const FLASK_FACTORY = py(
  'import os',
  '',
  'from flask import Flask',
  '',
  '',
  'def create_app(test_config=None):',
  '    app = Flask(__name__, instance_relative_config=True)',
  '    app.config.from_mapping(SECRET_KEY="dev")',
  '    return app',
)
const FLASK_WSGI = py('# The object gunicorn serves: the flask app the factory makes.', 'from flaskr import create_app', '', 'app = create_app()')
const FASTAPI = py('from fastapi import FastAPI', '', 'app = FastAPI(title="Shop API")', '', '', '@app.get("/")', 'async def root():', '    return {"ok": True}')
const STARLETTE = py('from starlette.applications import Starlette', 'from starlette.routing import Route', '', 'routes = [Route("/", homepage)]', 'api = Starlette(debug=False, routes=routes)')
const PLAIN_WSGI = py('def application(environ, start_response):', '    start_response("200 OK", [("Content-Type", "text/plain")])', '    return [b"hello"]')

// ---------------------------------------------------------------------------------------------
const ModuleOf = suite('moduleOf')

const modules: [string, string][] = [
  ['app.py', 'app'],
  ['mysite/wsgi.py', 'mysite.wsgi'],
  ['src/shop/app.py', 'shop.app'],
  ['flaskr/__init__.py', 'flaskr'],
  ['src/flaskr/__init__.py', 'flaskr'],
  ['config/settings/production.py', 'config.settings.production'],
  ['services/api/v1/main.py', 'services.api.v1.main'],
]
for (const [rel, want] of modules) {
  ModuleOf(`${rel} → ${want}`, () => {
    assert.is(moduleOf(rel), want, `${rel} should be the module ${want}`)
  })
}

ModuleOf('src/ that is a package itself keeps its name', () => {
  assert.is(moduleOf('src/shop/app.py', false), 'src.shop.app')
})

ModuleOf.run()

// ---------------------------------------------------------------------------------------------
const CandidatesIn = suite('candidatesIn')

/** What a candidate is, without `from` (always the file given). */
type Want = { kind: string; target: string; framework: string; rank: number; settings?: string }
const offers: { name: string; rel: string; text: string; want: Want[] }[] = [
  {
    name: "Django's wsgi.py, settings from the setdefault",
    rel: 'mysite/wsgi.py',
    text: DJANGO_WSGI('mysite.settings'),
    want: [{ kind: 'wsgi', target: 'mysite.wsgi:application', framework: 'django', rank: 0, settings: 'mysite.settings' }],
  },
  {
    name: "Django's wsgi.py under src/, double quotes, a nested settings module",
    rel: 'src/config/wsgi.py',
    text: DJANGO_WSGI('config.settings.production', '"'),
    want: [{ kind: 'wsgi', target: 'config.wsgi:application', framework: 'django', rank: 0, settings: 'config.settings.production' }],
  },
  { name: "Django's asgi.py offers nothing (the wsgi.py beside it is served)", rel: 'mysite/asgi.py', text: DJANGO_ASGI, want: [] },
  { name: 'a Flask object', rel: 'app.py', text: FLASK_APP, want: [{ kind: 'wsgi', target: 'app:app', framework: 'flask', rank: 1 }] },
  {
    name: 'an annotated Flask object',
    rel: 'shop/web.py',
    text: py('from flask import Flask', '', 'app: Flask = Flask(__name__)'),
    want: [{ kind: 'wsgi', target: 'shop.web:app', framework: 'flask', rank: 1 }],
  },
  { name: 'app = create_app() in wsgi.py', rel: 'wsgi.py', text: FLASK_WSGI, want: [{ kind: 'wsgi', target: 'wsgi:app', framework: 'flask', rank: 1 }] },
  {
    // The Flask tutorial's wsgi.py: it imports from the package (flaskr), never the word flask.
    name: 'app = create_app() in a wsgi.py that only imports the factory',
    rel: 'wsgi.py',
    text: py('from flaskr import create_app', '', 'app = create_app()'),
    want: [{ kind: 'wsgi', target: 'wsgi:app', framework: 'flask', rank: 1 }],
  },
  { name: 'a create_app factory in a Flask package', rel: 'flaskr/__init__.py', text: FLASK_FACTORY, want: [{ kind: 'wsgi', target: 'flaskr:create_app()', framework: 'flask', rank: 2 }] },
  {
    name: 'a create_app factory in a file that never mentions flask offers nothing',
    rel: 'service/__init__.py',
    text: py('from aiohttp import web', '', '', 'def create_app():', '    return web.Application()'),
    want: [],
  },
  { name: 'a FastAPI object (ASGI)', rel: 'main.py', text: FASTAPI, want: [{ kind: 'asgi', target: 'main:app', framework: 'fastapi', rank: 1 }] },
  { name: 'a Starlette object (ASGI)', rel: 'src/api/asgi.py', text: STARLETTE, want: [{ kind: 'asgi', target: 'api.asgi:api', framework: 'starlette', rank: 1 }] },
  { name: 'a plain WSGI application function', rel: 'hello.py', text: PLAIN_WSGI, want: [{ kind: 'wsgi', target: 'hello:application', framework: 'wsgi', rank: 1 }] },
  { name: 'a module with no app', rel: 'shop/models.py', text: py('from django.db import models', '', 'class Order(models.Model):', '    pass'), want: [] },
]
for (const c of offers) {
  CandidatesIn(c.name, () => {
    const got = candidatesIn(c.rel, c.text).map(({ from, ...rest }) => {
      assert.is(from, c.rel, `a candidate should say it was found in ${c.rel}`)
      return rest.settings === undefined ? (({ settings: _s, ...r }) => r)(rest) : rest
    })
    assert.equal(got, c.want, `${c.rel} should offer ${JSON.stringify(c.want)}`)
  })
}

CandidatesIn.run()

// ---------------------------------------------------------------------------------------------
const ChooseEntry = suite('chooseEntry')

/** The candidates a set of files offers, in path order, as findEntry collects them. */
const candidates = (files: Record<string, string>) => Object.entries(files).flatMap(([rel, text]) => candidatesIn(rel, text))

const choices: { name: string; files: Record<string, string>; want: string | undefined }[] = [
  { name: 'nothing to serve', files: { 'shop/models.py': py('x = 1') }, want: undefined },
  {
    name: "Django's wsgi.py wins over a Flask object and a FastAPI app",
    files: { 'api/main.py': FASTAPI, 'mysite/wsgi.py': DJANGO_WSGI('mysite.settings'), 'legacy/app.py': FLASK_APP },
    want: 'mysite.wsgi:application',
  },
  { name: 'a factory and the object made from it in wsgi.py: the object', files: { 'flaskr/__init__.py': FLASK_FACTORY, 'wsgi.py': FLASK_WSGI }, want: 'wsgi:app' },
  { name: 'a factory alone: the factory call', files: { 'flaskr/__init__.py': FLASK_FACTORY }, want: 'flaskr:create_app()' },
  { name: 'an object assigned twice in one module is one app', files: { 'app.py': FLASK_APP + py('app = Flask(__name__, static_folder="public")') }, want: 'app:app' },
]
for (const c of choices) {
  ChooseEntry(c.name, () => {
    assert.is(chooseEntry(candidates(c.files))?.target, c.want, `the entry should be ${c.want ?? 'undefined'}`)
  })
}

ChooseEntry('settings travel with the chosen Django entry, the rank does not', () => {
  const got = chooseEntry(candidates({ 'mysite/wsgi.py': DJANGO_WSGI('mysite.settings') }))
  assert.is(got?.settings, 'mysite.settings', 'the Django settings module should come with the entry')
  assert.not.ok(got && 'rank' in got, 'the rank is internal and should not be returned')
})

const ties: { name: string; files: Record<string, string>; listed: string[]; key: 'wsgi' | 'asgi' }[] = [
  {
    name: 'two Flask apps in different modules',
    files: { 'blog/__init__.py': py('from flask import Flask', 'app = Flask(__name__)'), 'shop/__init__.py': py('from flask import Flask', 'app = Flask(__name__)') },
    listed: ['blog:app (blog/__init__.py)', 'shop:app (shop/__init__.py)'],
    key: 'wsgi',
  },
  {
    name: 'two Django projects',
    files: { 'mysite/wsgi.py': DJANGO_WSGI('mysite.settings'), 'othersite/wsgi.py': DJANGO_WSGI('othersite.settings') },
    listed: ['mysite.wsgi:application', 'othersite.wsgi:application'],
    key: 'wsgi',
  },
  { name: 'two ASGI apps', files: { 'api/main.py': FASTAPI, 'admin/main.py': STARLETTE }, listed: ['api.main:app (api/main.py)', 'admin.main:api (admin/main.py)'], key: 'asgi' },
]
for (const c of ties) {
  ChooseEntry(`${c.name}: a UserError listing both and naming "release.${c.key}"`, () => {
    const e = userError(() => chooseEntry(candidates(c.files), '/src/acme'), c.name)
    for (const l of c.listed) assert.match(e.message, l, `the message should list ${l}`)
    assert.match(e.message, /^acme has 2 apps/, 'the message should name the source folder and the count')
    assert.match(e.hint ?? '', `"release": { "${c.key}": `, `the hint should name the key release.${c.key}`)
    assert.match(e.hint ?? '', 'Procfile', 'the hint should offer a Procfile as the other way')
  })
}

ChooseEntry.run()

// ---------------------------------------------------------------------------------------------
const FindEntry = suite('findEntry')
let dir = ''
FindEntry.before.each(() => {
  dir = makeTemp('entry')
})
FindEntry.after.each(() => removeTemp(dir))

/** Files that would each offer an app if they were searched. */
const DECOYS = {
  'tests/app.py': FLASK_APP,
  'tests/conftest.py': FLASK_APP,
  'test_app.py': FLASK_APP,
  'venv/lib/python3.12/site-packages/demo/app.py': FLASK_APP,
  '.venv/lib/python3.12/site-packages/demo/main.py': FASTAPI,
  'migrations/env.py': FLASK_APP,
  'shop/migrations/0001_initial.py': PLAIN_WSGI,
  'node_modules/pyodide/app.py': FLASK_APP,
  'build/lib/shop/app.py': FLASK_APP,
  'docs/conf.py': FLASK_APP,
}

FindEntry('finds the one app and ignores tests, environments, migrations, node_modules and build output', async () => {
  writeTree(dir, { ...DECOYS, 'shop/__init__.py': '', 'shop/app.py': FLASK_APP, 'shop/models.py': py('x = 1') })
  const got = await findEntry(dir)
  assert.equal(got, { kind: 'wsgi', target: 'shop.app:app', framework: 'flask', from: 'shop/app.py' }, 'only shop/app.py should be found')
})

FindEntry('a Django project: wsgi.py found, asgi.py and the app folders ignored', async () => {
  writeTree(dir, {
    ...DECOYS,
    'manage.py': py('import os, sys', "os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'mysite.settings')"),
    'mysite/__init__.py': '',
    'mysite/settings.py': py('DEBUG = False'),
    'mysite/wsgi.py': DJANGO_WSGI('mysite.settings'),
    'mysite/asgi.py': DJANGO_ASGI,
    'polls/views.py': py('from django.http import HttpResponse'),
  })
  const got = await findEntry(dir)
  assert.equal(got, { kind: 'wsgi', target: 'mysite.wsgi:application', framework: 'django', from: 'mysite/wsgi.py', settings: 'mysite.settings' }, 'mysite/wsgi.py should be found')
})

FindEntry('a src layout: the module named as it installs (src/ at the root), unless src/ is a package', async () => {
  writeTree(dir, { 'manage.py': py('import os'), 'src/mysite/__init__.py': '', 'src/mysite/wsgi.py': DJANGO_WSGI('mysite.settings') })
  assert.is((await findEntry(dir))?.target, 'mysite.wsgi:application')
  writeTree(dir, { 'src/__init__.py': '' })
  assert.is((await findEntry(dir))?.target, 'src.mysite.wsgi:application', 'src/__init__.py: the packer keeps src/, so the module is src.mysite.wsgi')
})

FindEntry('undefined when only decoys offer an app', async () => {
  writeTree(dir, { ...DECOYS, 'lib/helpers.py': py('x = 1') })
  assert.is(await findEntry(dir), undefined, 'decoy folders should not be searched')
})

FindEntry('a tie is a UserError naming the folder', async () => {
  writeTree(dir, { 'blog/__init__.py': py('from flask import Flask', 'app = Flask(__name__)'), 'shop/__init__.py': py('from flask import Flask', 'app = Flask(__name__)') })
  const e = await rejectedUserError(findEntry(dir), 'two Flask apps')
  assert.match(e.message, 'blog:app', 'the message should list blog:app')
  assert.match(e.message, 'shop:app', 'the message should list shop:app')
})

FindEntry.run()
