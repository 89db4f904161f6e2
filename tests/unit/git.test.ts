import { formatPlain } from '../../lib/render/plain.js'
import { execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { createdTime, readGit } from '../../lib/git.js'
import { isValidTag, toImageName, versionTag } from '../../lib/tags.js'
import { ociLabels } from '../../lib/docker/labels.js'

const HASH = '0123456789abcdef0123456789abcdef01234567'

// ---------------------------------------------------------------------------------------------
const VersionTag = suite('versionTag')

VersionTag('a clean work tree is tagged with the short commit', () => {
  assert.is(versionTag({ sha: 'abc1234', dirty: false }, HASH), 'abc1234', 'a clean tree should give the sha alone')
})

VersionTag('a dirty work tree never claims the commit alone', () => {
  assert.is(versionTag({ sha: 'abc1234', dirty: true }, HASH), 'abc1234-dirty', 'changed tracked files should add "-dirty"')
})

VersionTag('outside git the tag is "c" and the first 12 hex of the content hash', () => {
  const tag = versionTag(undefined, HASH)
  assert.is(tag, 'c0123456789ab', 'the tag should be "c" + 12 hex digits of the hash')
  assert.match(tag, /^c[0-9a-f]{12}$/, 'the tag should have the content-tag shape')
})

VersionTag('content tags differ when the inputs differ', () => {
  assert.is.not(versionTag(undefined, 'aaaaaaaaaaaa99'), versionTag(undefined, 'bbbbbbbbbbbb99'), 'two hashes differing in the first 12 hex should give two tags')
})

VersionTag('every kind of tag is a valid Docker tag', () => {
  for (const tag of [versionTag({ sha: 'abc1234', dirty: false }, HASH), versionTag({ sha: 'abc1234', dirty: true }, HASH), versionTag(undefined, HASH)]) {
    assert.ok(isValidTag(tag), `"${tag}" should be accepted as a Docker tag`)
  }
})

VersionTag.run()

// ---------------------------------------------------------------------------------------------
const IsValidTag = suite('isValidTag')

const tags: [string, boolean][] = [
  ['latest', true],
  ['abc1234-dirty', true],
  ['1.0.0', true],
  ['_private', true],
  ['A_b.C-d', true],
  ['x'.repeat(128), true],
  ['x'.repeat(129), false],
  ['', false],
  ['.hidden', false],
  ['-flag', false],
  ['has space', false],
  ['a/b', false],
  ['a:b', false],
  ['é', false],
]
for (const [tag, ok] of tags) {
  IsValidTag(`${tag.length > 20 ? `${tag.length} chars` : JSON.stringify(tag)} → ${ok}`, () => {
    assert.is(isValidTag(tag), ok, `${JSON.stringify(tag.slice(0, 20))} (${tag.length} chars) should ${ok ? '' : 'not '}be a valid tag`)
  })
}

IsValidTag.run()

// ---------------------------------------------------------------------------------------------
const ToImageName = suite('toImageName')

const imageNames: [string, string][] = [
  ['pollsite', 'pollsite'],
  ['PollSite', 'pollsite'],
  ['my_app', 'my_app'],
  ['my.app-2', 'my.app-2'],
  ['Django Polls!', 'django-polls'],
  ['a  +  b', 'a-b'],
  ['_leading_and_trailing_', 'leading_and_trailing'],
  ['-x-', 'x'],
  ['', 'app'],
  ['---', 'app'],
  ['Ünïcode', 'n-code'],
]
for (const [input, want] of imageNames) {
  ToImageName(`${JSON.stringify(input)} → ${want}`, () => {
    assert.is(toImageName(input), want, `"${input}" should become the repository name "${want}"`)
  })
}

ToImageName.run()

const OciLabels = suite('ociLabels')

OciLabels('sets source, revision (with -dirty), created and version', () => {
  const created = new Date('2026-01-02T03:04:05Z')
  const l = ociLabels({ title: 'ns/app-release', version: '1.0', revision: 'abc', dirty: true, source: 'https://git.example/app.git', created })
  assert.equal(l, {
    'org.opencontainers.image.title': 'ns/app-release',
    'org.opencontainers.image.created': '2026-01-02T03:04:05.000Z',
    'org.opencontainers.image.source': 'https://git.example/app.git',
    'org.opencontainers.image.revision': 'abc-dirty',
    'org.opencontainers.image.version': '1.0',
  })
})

OciLabels('leaves out what is unknown', () => {
  const l = ociLabels({ title: 't', created: new Date(0) })
  assert.equal(Object.keys(l).sort(), ['org.opencontainers.image.created', 'org.opencontainers.image.title'], 'no revision, source or version keys')
})

OciLabels.run()

// ---------------------------------------------------------------------------------------------
const CreatedTime = suite('createdTime')

CreatedTime('the commit time, else SOURCE_DATE_EPOCH, else 1980-01-01: never the clock', () => {
  const commit = new Date('2026-11-01T10:00:00Z')
  assert.is(createdTime(commit, {}).toISOString(), commit.toISOString(), 'the commit time')
  assert.is(createdTime(undefined, { SOURCE_DATE_EPOCH: '1700000000' }).toISOString(), '2023-11-14T22:13:20.000Z', 'SOURCE_DATE_EPOCH')
  assert.is(createdTime(undefined, {}).toISOString(), '1980-01-01T00:00:00.000Z', "the wheels' epoch")
  assert.is(createdTime(undefined, { SOURCE_DATE_EPOCH: 'soon' }).toISOString(), '1980-01-01T00:00:00.000Z', 'a value that is no number')
})

CreatedTime.run()

// ---------------------------------------------------------------------------------------------
const ReadGit = suite('readGit')

/** A git work tree with one commit; git runs with no global or system config (no safe.directory). */
function repo(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'pptest-readgit-'))
  const git = (...args: string[]) => execFileSync('git', ['-C', dir, '-c', 'user.email=t@example.com', '-c', 'user.name=t', ...args], { env: isolated })
  writeFileSync(path.join(dir, 'a.txt'), 'a\n')
  git('init', '-q')
  git('add', 'a.txt')
  git('commit', '-q', '-m', 'one')
  return dir
}
const isolated = { ...process.env, GIT_CONFIG_GLOBAL: '/dev/null', GIT_CONFIG_NOSYSTEM: '1' }
const dirs: string[] = []
const saved = { ...process.env }
ReadGit.before.each(() => {
  Object.assign(process.env, { GIT_CONFIG_GLOBAL: '/dev/null', GIT_CONFIG_NOSYSTEM: '1' })
})
ReadGit.after.each(() => {
  for (const k of ['GIT_CONFIG_GLOBAL', 'GIT_CONFIG_NOSYSTEM', 'GIT_TEST_ASSUME_DIFFERENT_OWNER']) {
    if (saved[k] === undefined) delete process.env[k]
    else process.env[k] = saved[k]
  }
})
ReadGit.after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true })
})

ReadGit('a clean work tree: the short commit, not dirty, no warning', async () => {
  const dir = repo()
  dirs.push(dir)
  const r = await readGit(dir)
  assert.match(r.state?.sha ?? '', /^[0-9a-f]{7}$/, `a short sha: ${JSON.stringify(r)}`)
  assert.is(r.state?.dirty, false)
  assert.is(r.untrusted, undefined)
})

ReadGit('a changed tracked file makes it dirty', async () => {
  const dir = repo()
  dirs.push(dir)
  writeFileSync(path.join(dir, 'a.txt'), 'b\n')
  assert.is((await readGit(dir)).state?.dirty, true)
})

ReadGit('a tagged commit: still the short commit, never the tag`s name; as rev-parse --short=7 gives it', async () => {
  const dir = repo()
  dirs.push(dir)
  execFileSync('git', ['-C', dir, 'tag', 'v1'], { env: isolated })
  execFileSync('git', ['-C', dir, '-c', 'user.email=t@example.com', '-c', 'user.name=t', 'tag', '-a', 'v2', '-m', 'two'], { env: isolated })
  const short = execFileSync('git', ['-C', dir, 'rev-parse', '--short=7', 'HEAD'], { env: isolated }).toString().trim()
  assert.equal((await readGit(dir)).state, { sha: short, dirty: false })
})

ReadGit('a staged change or a deleted tracked file is dirty; untracked files alone are not', async () => {
  const dir = repo()
  dirs.push(dir)
  writeFileSync(path.join(dir, 'new.txt'), 'untracked\n')
  assert.is((await readGit(dir)).state?.dirty, false, 'untracked only')
  writeFileSync(path.join(dir, 'a.txt'), 'staged\n')
  execFileSync('git', ['-C', dir, 'add', 'a.txt'], { env: isolated })
  assert.is((await readGit(dir)).state?.dirty, true, 'staged')
  execFileSync('git', ['-C', dir, 'reset', '-q', '--hard'], { env: isolated })
  rmSync(path.join(dir, 'a.txt'))
  assert.is((await readGit(dir)).state?.dirty, true, 'deleted')
})

ReadGit('outside git: no state and no warning (content tags, as intended)', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'pptest-readgit-none-'))
  dirs.push(dir)
  assert.equal(await readGit(dir), {}, 'nothing to say')
})

ReadGit('a checkout owned by another user: git refuses, and the warning says so with the fix', async () => {
  const dir = repo()
  dirs.push(dir)
  // As root, give the checkout away (the real case); otherwise git's own switch for the same check.
  if (process.getuid?.() === 0) execFileSync('chown', ['-R', 'nobody', dir])
  else process.env.GIT_TEST_ASSUME_DIFFERENT_OWNER = '1'
  const r = await readGit(dir)
  assert.is(r.state, undefined, 'no commit to tag with')
  assert.equal(r.untrusted, { repo: dir, fix: `git config --global --add safe.directory ${dir}` }, `the folder and the fix: ${JSON.stringify(r)}`)
  const said = formatPlain({ type: 'git:untrusted', ...r.untrusted! })!
  assert.match(said, /detected dubious ownership/, `the words name git's reason: ${said}`)
  assert.match(said, /content hash/, 'and say what the tags are instead')
})

ReadGit.run()
