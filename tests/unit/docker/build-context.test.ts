import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { listContext } from '../../../lib/docker/build-context.js'
import { makeTemp, removeTemp, writeTree } from '../helpers/tmp.js'

const ListContext = suite('listContext')
let dir: string
ListContext.before.each(() => {
  dir = makeTemp('context')
})
ListContext.after.each(() => removeTemp(dir))

const names = async () => (await listContext(dir)).map((e) => e.name)

ListContext('sends everything but VCS data, local secrets, node_modules, wheelhouses and caches', async () => {
  writeTree(dir, {
    Dockerfile: 'FROM x\n',
    'start.sh': '',
    'conf/app.ini': '',
    '.env': 'SECRET=1',
    '.env.local': 'SECRET=2',
    'conf/.env': 'SECRET=3',
    '.git/HEAD': '',
    'node_modules/x/index.js': '',
    'wheelhouse/a.whl': '',
    'pkg/__pycache__/m.cpython-311.pyc': '',
    'pkg/m.pyc': '',
  })
  assert.equal(await names(), ['Dockerfile', 'conf/app.ini', 'start.sh'], 'only the ordinary files are sent')
})

ListContext('.dockerignore adds rules, and can bring a default one back with !, but never a secret', async () => {
  writeTree(dir, { Dockerfile: '', 'a.txt': '', 'b.log': '', '.env': '', 'node_modules/m/index.js': '', '.git/HEAD': '', '.dockerignore': '*.log\n!.env\n!node_modules\n!.git\n' })
  assert.equal(await names(), ['.dockerignore', 'Dockerfile', 'a.txt', 'node_modules/m/index.js'], '*.log is dropped, node_modules is back, .env and .git never are')
})

ListContext('the Dockerfile and .dockerignore are sent even when ignored', async () => {
  writeTree(dir, { Dockerfile: '', '.dockerignore': '*\n', 'x.txt': '' })
  assert.equal(await names(), ['.dockerignore', 'Dockerfile'])
})

ListContext.run()
