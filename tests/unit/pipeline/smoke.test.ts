import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { DATA_FOLDERS } from '../../../lib/pipeline/hardening.js'
import { smokeHint } from '../../../lib/pipeline/smoke.js'

// The hints without hardening: tests/unit/requirements.test.ts (SmokeHint).
const SmokeHint = suite('smokeHint, hardened')

const app = { writable: DATA_FOLDERS, user: 'app', workdir: '/app' }
const erofs = ['[ERROR] Error handling request /', "OSError: [Errno 30] Read-only file system: 'hits.txt'"]

SmokeHint("a 500 from a request that wrote to the read-only filesystem: the cause and smoke's key", () => {
  assert.match(smokeHint(erofs, app), /wrote to \/app\/hits\.txt on the read-only root filesystem.*"hardening": \{ "smoke": false \}/)
})

SmokeHint('other causes keep their hint', () => {
  assert.match(smokeHint(['sqlite3.OperationalError: no such table: post'], app), /no tables yet/)
})

SmokeHint('a 500 from a view that reads a variable nobody set: the variable and the key', () => {
  const log = ['    token = os.environ["API_TOKEN"]', '  File "<frozen os>", line 679, in __getitem__', "KeyError: 'API_TOKEN'"]
  assert.match(smokeHint(log), /^it reads the environment variable API_TOKEN, which is not set: set it in \.pypackagerc\.json: "release": \{ "env": \{ "API_TOKEN"/)
  assert.match(smokeHint(log, app), /API_TOKEN/, 'hardened too')
})

SmokeHint('unhardened, the read-only filesystem is not ours to name', () => {
  assert.is(smokeHint(erofs), "the app's log is above")
})

SmokeHint.run()
