import path from 'node:path'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import type { Entry } from '../../../lib/shape/entry.js'
import { findStatic, type StaticSource } from '../../../lib/shape/static.js'
import { makeTemp, removeTemp, writeTree } from '../helpers/tmp.js'

const py = (...l: string[]) => l.join('\n') + '\n'

let tmp = ''
let n = 0
const project = (files: Record<string, string | null>) => writeTree(path.join(tmp, `p${++n}`), { ...files, '.keep': '' })

const FindStatic = suite('findStatic')
FindStatic.before(() => {
  tmp = makeTemp('static')
})
FindStatic.after(() => removeTemp(tmp))

const flask = (target: string): Entry => ({ kind: 'wsgi', target, framework: 'flask', from: 'x' })

const cases: { name: string; files: Record<string, string | null>; entry?: Entry; want: StaticSource | undefined }[] = [
  {
    name: "a Flask app.py with static/ beside it: Flask's static folder",
    files: { 'app.py': py('from flask import Flask', 'app = Flask(__name__)'), 'static/site.css': '' },
    entry: flask('app:app'),
    want: { kind: 'flask', folder: 'static', url: '/static' },
  },
  {
    name: 'a Flask factory in a package (flaskr/static)',
    files: { 'flaskr/__init__.py': py('from flask import Flask', 'def create_app():', '    app = Flask(__name__, instance_relative_config=True)'), 'flaskr/static/style.css': '' },
    entry: flask('flaskr:create_app()'),
    want: { kind: 'flask', folder: 'flaskr/static', url: '/static' },
  },
  {
    name: 'Flask with static_folder and static_url_path',
    files: { 'web/app.py': py('from flask import Flask', 'app = Flask(__name__, static_folder="assets", static_url_path="/a")'), 'web/assets/x.js': '' },
    entry: flask('web.app:app'),
    want: { kind: 'flask', folder: 'web/assets', url: '/a' },
  },
  {
    name: 'a Starlette StaticFiles mount (its directory an expression)',
    files: {
      'hello/app.py': py('from starlette.applications import Starlette', 'app = Starlette(routes=[Mount("/static", StaticFiles(directory=STATIC_DIR), name="static")])'),
      'hello/static/a.css': '',
    },
    entry: { kind: 'asgi', target: 'hello.app:app', framework: 'starlette', from: 'hello/app.py' },
    want: { kind: 'mount', url: '/static', folder: 'hello/static' },
  },
  {
    name: "FastAPI's app.mount with a literal directory",
    files: { 'main.py': py('from fastapi import FastAPI', 'app = FastAPI()', 'app.mount("/assets", StaticFiles(directory="public"), name="assets")'), 'public/a.css': '' },
    entry: { kind: 'asgi', target: 'main:app', framework: 'fastapi', from: 'main.py' },
    want: { kind: 'mount', url: '/assets', folder: 'public' },
  },
  {
    name: "a plain WSGI app with static/ beside it: the app's own routes",
    files: { 'src/greeter/wsgi.py': py('def application(environ, start_response):', '    pass'), 'src/greeter/static/g.css': '' },
    entry: { kind: 'wsgi', target: 'greeter.wsgi:application', framework: 'wsgi', from: 'src/greeter/wsgi.py' },
    want: { kind: 'folder', folder: 'src/greeter/static' },
  },
  {
    name: 'no entry: the shallowest static/ folder in the source, never one under tests/ or node_modules/',
    files: { 'tests/static/t.css': '', 'node_modules/x/static/a.css': '', 'pkg/web/static/a.css': '', 'pkg/static/b.css': '' },
    want: { kind: 'folder', folder: 'pkg/static' },
  },
  { name: 'none found', files: { 'app.py': py('from flask import Flask', 'app = Flask(__name__)') }, entry: flask('app:app'), want: undefined },
]
for (const c of cases) {
  FindStatic(c.name, async () => {
    assert.equal(await findStatic(project(c.files), c.entry), c.want, `the static files should be ${JSON.stringify(c.want)}`)
  })
}

FindStatic.run()
