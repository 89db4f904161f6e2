import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { DATA_FOLDERS, type HardenedTask } from '../../../lib/pipeline/hardening.js'
import { exitedError, outputKeeper } from '../../../lib/pipeline/serving.js'

const app = { writable: DATA_FOLDERS, user: 'app' }
const erofs = ['[ERROR] Exception in worker process', "OSError: [Errno 30] Read-only file system: 'started.txt'", '[INFO] Reason: Worker failed to boot.']

// ---------------------------------------------------------------------------------------------
const ExitedError = suite('exitedError')

ExitedError("hardened: the cause in the message, the task's key in the hint, the log as details", () => {
  for (const task of ['run', 'smoke', 'start'] as HardenedTask[]) {
    const e = exitedError(3, erofs, { task, hardened: { ...app, workdir: '/app' } })
    assert.match(e.message, /^the app exited with code 3 before answering: it wrote to \/app\/started\.txt on the read-only root filesystem/)
    assert.match(e.hint ?? '', new RegExp(`"hardening": \\{ "${task}": false \\}`), `${task}'s error should name its own key`)
    assert.equal(e.details, erofs, 'the log is shown')
  }
})

ExitedError('the cause found in evidence kept from before the tail', () => {
  const tail = Array.from({ length: 30 }, (_, i) => `  File "gunicorn/arbiter.py", line ${i}`)
  const e = exitedError(3, tail, { task: 'start', hardened: app, evidence: [erofs[1]] })
  assert.match(e.message, /read-only root filesystem/, 'a long traceback after the cause should not hide it')
  assert.equal(e.details, [erofs[1], '…', ...tail], 'the line that says why comes first, then the tail')
})

ExitedError('unhardened, or another cause: no hardening named', () => {
  assert.is(exitedError(3, erofs, { task: 'run' }).message, 'the app exited with code 3 before answering')
  const other = exitedError(1, ['KeyError: SECRET_KEY'], { task: 'run', hardened: app })
  assert.is(other.message, 'the app exited with code 1 before answering')
  assert.match(other.hint ?? '', /fix the start-up error/)
})

ExitedError('a variable the app reads at import and nobody set: named, with the key that sets it, for every task', () => {
  const log = [
    '  File "/appenv/lib/python3.11/site-packages/app.py", line 4, in <module>',
    '    SECRET = os.environ["APP_SECRET"]',
    '  File "<frozen os>", line 679, in __getitem__',
    "KeyError: 'APP_SECRET'",
  ]
  for (const task of ['run', 'smoke', 'start'] as HardenedTask[]) {
    const e = exitedError(3, log, { task, hardened: { ...app, workdir: '/app' } })
    assert.is(e.message, 'the app exited with code 3 before answering: it reads the environment variable APP_SECRET, which is not set')
    assert.match(e.hint ?? '', /"release": \{ "env": \{ "APP_SECRET"/)
    assert.equal(e.details, ['SECRET = os.environ["APP_SECRET"]'], 'the line that read it, not the traceback')
  }
  const tail = Array.from({ length: 30 }, (_, i) => `[INFO] Worker exiting (pid: ${i})`)
  assert.match(exitedError(3, tail, { task: 'run', evidence: log.slice(2) }).message, /APP_SECRET/, 'found in the evidence kept from before the tail')
})

ExitedError('the keeper keeps the lines that name a missing variable', () => {
  const kept = outputKeeper()
  for (const line of ['Traceback (most recent call last):', '  File "<frozen os>", line 679, in __getitem__', "KeyError: 'APP_SECRET'", '[INFO] Booting worker']) kept.keep(line)
  assert.equal(kept.evidence, ['  File "<frozen os>", line 679, in __getitem__', "KeyError: 'APP_SECRET'"])
})

ExitedError('an app that stopped after it answered', () => {
  assert.match(exitedError(1, erofs, { task: 'run', hardened: app, answered: true }).message, /^the app exited with code 1: it wrote to started\.txt/)
  assert.is(exitedError(1, ['bye'], { task: 'run', answered: true }).hint, 'its output is above', 'not a start-up error')
})

ExitedError.run()

// ---------------------------------------------------------------------------------------------
const OutputKeeper = suite('outputKeeper')

OutputKeeper('keeps the last 30 lines, and the first lines that may name the hardening', () => {
  const kept = outputKeeper()
  kept.keep(erofs[1])
  for (let i = 0; i < 40; i++) kept.keep(`line ${i}`)
  assert.is(kept.tail.length, 30, 'the tail is bounded')
  assert.is(kept.tail[29], 'line 39')
  assert.equal(kept.evidence, [erofs[1]], 'the EROFS line is kept though it left the tail')
})

OutputKeeper('evidence is bounded too', () => {
  const kept = outputKeeper()
  for (let i = 0; i < 20; i++) kept.keep("PermissionError: [Errno 1] Operation not permitted: '/x'")
  assert.is(kept.evidence.length, 5)
})

OutputKeeper.run()
