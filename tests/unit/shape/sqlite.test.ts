import path from 'node:path'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { relativeDatabases, sqliteBesideCode } from '../../../lib/shape/sqlite.js'
import { makeTemp, removeTemp, writeTree } from '../helpers/tmp.js'

const py = (...l: string[]) => l.join('\n') + '\n'

// ---------------------------------------------------------------------------------------------
const RelativeDatabases = suite('relativeDatabases')

const texts: [name: string, text: string, want: string[]][] = [
  ["SQLAlchemy's relative URL", py('SQLALCHEMY_DATABASE_URI = os.environ.get("DATABASE_URL", "sqlite:///app.db")'), ['app.db']],
  ['a driver in the URL', py("engine = create_engine('sqlite+pysqlite:///data.sqlite3')"), ['data.sqlite3']],
  ['sqlite3.connect of a bare name', py('conn = sqlite3.connect("visits.db")'), ['visits.db']],
  ['an absolute URL (four slashes): not relative', py('URL = "sqlite:////var/lib/app/app.db"'), []],
  ["a file in Flask's instance folder: not relative to the working folder", py('DATABASE=os.path.join(app.instance_path, "flaskr.sqlite")'), []],
  ['in memory', py('sqlite3.connect(":memory:")'), []],
]
for (const [name, text, want] of texts) {
  RelativeDatabases(name, () => {
    assert.equal(relativeDatabases(text), want, `should find ${JSON.stringify(want)}`)
  })
}

RelativeDatabases.run()

// ---------------------------------------------------------------------------------------------
const SqliteBesideCode = suite('sqliteBesideCode')
let tmp = ''
SqliteBesideCode.before(() => {
  tmp = makeTemp('sqlite')
})
SqliteBesideCode.after(() => removeTemp(tmp))

SqliteBesideCode('files at the root and names the code opens, once each; never from tests', async () => {
  const source = writeTree(path.join(tmp, 'app'), {
    'app.db': '',
    'notes.sqlite3': '',
    'data/old.db': '',
    'app.py': py('import sqlite3', 'db = sqlite3.connect("app.db")', 'cache = sqlite3.connect("cache.db")'),
    'tests/test_app.py': py('sqlite3.connect("test.db")'),
  })
  assert.equal(await sqliteBesideCode(source), ['app.db', 'notes.sqlite3', 'cache.db'], 'root files first, then the names opened; a file in a subfolder is not at the root')
})

SqliteBesideCode('none', async () => {
  assert.equal(await sqliteBesideCode(writeTree(path.join(tmp, 'none'), { 'app.py': py('from flask import Flask') })), [])
})

SqliteBesideCode.run()
