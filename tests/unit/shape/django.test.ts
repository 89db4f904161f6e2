import path from 'node:path'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { definesDatabase } from '../../../lib/shape/django.js'
import { makeTemp, removeTemp, writeTree } from '../helpers/tmp.js'

const py = (...l: string[]) => l.join('\n') + '\n'

let tmp = ''
let n = 0
const project = (files: Record<string, string>) => writeTree(path.join(tmp, `p${++n}`), { ...files, '.keep': '' })

const DefinesDatabase = suite('definesDatabase')
DefinesDatabase.before(() => {
  tmp = makeTemp('django')
})
DefinesDatabase.after(() => removeTemp(tmp))

const SQLITE = py('DATABASES = {', '    "default": {"ENGINE": "django.db.backends.sqlite3", "NAME": BASE_DIR / "db.sqlite3"},', '}')

const cases: { name: string; files: Record<string, string>; settings?: string; want: boolean }[] = [
  { name: 'DATABASES = {} (a site without models)', files: { 'site/settings.py': py('SECRET_KEY = "x"', 'DATABASES = {}', 'STATIC_URL = "/static/"') }, want: false },
  { name: 'DATABASES = dict()', files: { 'site/settings.py': py('DATABASES = dict()  # none') }, want: false },
  { name: 'no DATABASES at all: Django has none by default', files: { 'site/settings.py': py('SECRET_KEY = "x"', 'INSTALLED_APPS = []') }, want: false },
  { name: 'an sqlite default database', files: { 'site/settings.py': SQLITE }, want: true },
  { name: 'from the environment (dj-database-url)', files: { 'site/settings.py': py('import dj_database_url', 'DATABASES = {"default": dj_database_url.config()}') }, want: true },
  { name: 'empty, then a default set under a condition', files: { 'site/settings.py': py('DATABASES = {}', 'if DEBUG:', '    DATABASES["default"] = {"ENGINE": "x"}') }, want: true },
  { name: 'empty, then updated', files: { 'site/settings.py': py('DATABASES = {}', 'DATABASES.update(default={"ENGINE": "x"})') }, want: true },
  { name: 'imported by name from another module', files: { 'site/settings.py': py('from .db import DATABASES') }, want: true },
  {
    name: 'a settings package whose base module has the database (from .base import *)',
    files: { 'config/settings/__init__.py': '', 'config/settings/production.py': py('from .base import *', 'DEBUG = False'), 'config/settings/base.py': SQLITE },
    settings: 'config.settings.production',
    want: true,
  },
  {
    name: 'a settings package whose modules define none',
    files: { 'config/settings/__init__.py': py('from .base import *'), 'config/settings/base.py': py('DATABASES = {}') },
    settings: 'config.settings',
    want: false,
  },
  { name: 'under src/', files: { 'src/site/settings.py': py('DATABASES = {}') }, want: false },
  { name: 'a star import from outside the source: it may define one', files: { 'site/settings.py': py('from company_defaults.settings import *') }, want: true },
  { name: "django-split-settings' include(): not readable as text", files: { 'site/settings.py': py('from split_settings.tools import include', "include('components/*.py')") }, want: true },
  { name: 'settings not in the source: assume a database', files: { 'manage.py': '' }, want: true },
]
for (const c of cases) {
  DefinesDatabase(`${c.name} → ${c.want}`, () => {
    assert.is(definesDatabase(project(c.files), c.settings ?? 'site.settings'), c.want, `the settings should ${c.want ? '' : 'not '}define a database`)
  })
}

DefinesDatabase.run()
