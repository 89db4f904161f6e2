import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { DATA_FOLDERS, diagnoseHardening, hardeningFor, isRoot, type HardenedTask } from '../../../lib/pipeline/hardening.js'
import { loadSchema } from '../../../lib/config/schema.js'
import { validate } from '../../../lib/config/validate.js'
import { userError } from '../helpers/catch.js'
import { config } from '../helpers/config.js'

// ---------------------------------------------------------------------------------------------
const HardeningFor = suite('hardeningFor')

for (const task of ['run', 'smoke', 'start'] as HardenedTask[]) {
  HardeningFor(`${task}: hardened by default, with the image's data folders writable`, () => {
    assert.equal(hardeningFor(config(), task), { writable: ['/app/data', '/appenv/var'] }, `${task} should be hardened without any config`)
  })
  HardeningFor(`${task}: "hardening.${task}": false turns it off for that task only`, () => {
    const c = config({ hardening: { [task]: false } })
    assert.is(hardeningFor(c, task), undefined, `${task} should run unhardened`)
    for (const other of (['run', 'smoke', 'start'] as HardenedTask[]).filter((t) => t !== task)) {
      assert.ok(hardeningFor(c, other), `${other} should stay hardened`)
    }
  })
}

HardeningFor('"hardening.writable" adds folders (normalized, no duplicates)', () => {
  assert.equal(hardeningFor(config({ hardening: { writable: ['/app/cache/', '/app/data', '/srv//uploads'] } }), 'run'), { writable: [...DATA_FOLDERS, '/app/cache', '/srv/uploads'] })
})

for (const bad of ['cache', './data', '/', 'C:/data']) {
  HardeningFor(`"hardening.writable": ${JSON.stringify(bad)} is refused, naming the key`, () => {
    const e = userError(() => hardeningFor(config({ hardening: { writable: [bad] } }), 'run'), bad)
    assert.match(e.message, /"hardening\.writable\[0\]"/, 'the message should name the key')
    assert.match(e.hint ?? '', /\/app\/cache/, 'the hint should show an absolute folder')
  })
}

HardeningFor('an unknown key under "hardening" is a config problem, with a suggestion', () => {
  // The validator (not this function) reports it: the key set is the schema's.
  const { problems } = validate({ hardening: { smok: false } }, loadSchema())
  assert.equal(
    problems.map((p) => [p.key, p.fix]),
    [['hardening.smok', 'did you mean "hardening.smoke"?']],
  )
})

HardeningFor.run()

// ---------------------------------------------------------------------------------------------
const Diagnose = suite('diagnoseHardening')

const app = { writable: DATA_FOLDERS, user: 'app' }
const cases: { name: string; lines: string[]; user?: string; workdir?: string; task?: HardenedTask; cause?: RegExp; hint?: RegExp }[] = [
  {
    name: 'a relative path is resolved against the working folder',
    lines: ["OSError: [Errno 30] Read-only file system: 'started.txt'"],
    workdir: '/app',
    cause: /wrote to \/app\/started\.txt on/,
    hint: /"\/app" in "hardening\.writable"/,
  },
  {
    name: 'a relative path, the working folder unknown',
    lines: ["OSError: [Errno 30] Read-only file system: 'started.txt'"],
    cause: /wrote to started\.txt on/,
    hint: /declare the folder in "hardening\.writable"/,
  },
  {
    name: "Python's EROFS: the file, the folder to declare, the task's key",
    lines: ['Traceback (most recent call last):', "OSError: [Errno 30] Read-only file system: '/app/started.txt'"],
    cause: /wrote to \/app\/started\.txt on the read-only root filesystem/,
    hint: /only \/tmp, \/app\/data, \/appenv\/var are writable.*"\/app" in "hardening\.writable".*"hardening": \{ "run": false \}/,
  },
  {
    name: "a shell's EROFS",
    lines: ["touch: cannot touch '/var/log/app.log': Read-only file system"],
    task: 'start',
    cause: /wrote to \/var\/log\/app\.log/,
    hint: /"\/var\/log" in "hardening\.writable".*"start": false/,
  },
  { name: 'sqlite on the read-only filesystem', lines: ['sqlite3.OperationalError: attempt to write a readonly database'], task: 'smoke', cause: /read-only root filesystem/, hint: /"smoke": false/ },
  {
    name: 'EPERM: a dropped capability',
    lines: ["PermissionError: [Errno 1] Operation not permitted: '/app/data/db.sqlite3'"],
    cause: /not permitted on \/app\/data\/db\.sqlite3.*capability dropped.*no-new-privileges/,
    hint: /Dockerfile.*"run": false/,
  },
  { name: 'no-new-privileges keeps sudo from root', lines: ["sudo: effective uid is not 0, is /usr/bin/sudo on a file system with the 'nosuid' option set"], cause: /no privilege escalation/ },
  {
    name: 'EACCES as root: CAP_DAC_OVERRIDE is gone',
    lines: ["PermissionError: [Errno 13] Permission denied: '/srv/secret'"],
    user: '',
    cause: /root was denied access to \/srv\/secret/,
    hint: /USER app.*"run": false/,
  },
  { name: 'EACCES as root:root', lines: ["PermissionError: [Errno 13] Permission denied: '/srv/secret'"], user: '0:0', cause: /root was denied/ },
  { name: "EACCES as the app user: the image's permissions, not the hardening", lines: ["PermissionError: [Errno 13] Permission denied: '/usr/lib/x'"], user: 'app' },
  { name: 'an unrelated failure', lines: ['Traceback (most recent call last):', 'KeyError: SECRET_KEY'] },
]
for (const c of cases) {
  Diagnose(c.name, () => {
    const why = diagnoseHardening(c.lines, c.task ?? 'run', { ...app, user: c.user ?? app.user, workdir: c.workdir })
    if (!c.cause) return assert.is(why, undefined, 'the hardening should not be blamed')
    assert.ok(why, 'the hardening should be named as the cause')
    assert.match(why!.cause, c.cause)
    if (c.hint) assert.match(why!.hint, c.hint)
  })
}

Diagnose('a declared folder is listed among the writable ones', () => {
  const why = diagnoseHardening(["OSError: [Errno 30] Read-only file system: '/x/y'"], 'run', { writable: [...DATA_FOLDERS, '/app/cache'], user: 'app' })
  assert.match(why!.hint, /\/tmp, \/app\/data, \/appenv\/var, \/app\/cache are writable/)
})

Diagnose.run()

// ---------------------------------------------------------------------------------------------
const IsRoot = suite('isRoot')

for (const [user, root] of [
  ['', true],
  ['root', true],
  ['0', true],
  ['0:0', true],
  ['root:app', true],
  ['app', false],
  ['10001', false],
  ['10001:0', false],
  ['rootless', false],
] as const) {
  IsRoot(`${JSON.stringify(user)} → ${root}`, () => assert.is(isRoot(user), root))
}

IsRoot.run()
