import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { mkdirSync, readFileSync, renameSync, rmSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import fg from 'fast-glob'
import { glob, loadListings, saveListings } from '../../lib/glob.js'
import { listContext } from '../../lib/docker/build-context.js'
import { makeTemp, removeTemp, writeTree } from './helpers/tmp.js'

/** A clock 5 s ahead: what is listed now counts as settled (older than the racy window). */
const later = () => Date.now() + 5000
const ALL = '**/*'
const opts = (cwd: string) => ({ cwd, dot: true, onlyFiles: true, followSymbolicLinks: false, ignore: ['**/node_modules', '**/node_modules/**'] })
const sorted = (xs: string[]) => [...xs].sort()
type Record1 = { version: number; listings: Record<string, { dirs: Record<string, [number, number, number]>; files: string[] }> }
const readRecord = (file: string) => JSON.parse(readFileSync(file, 'utf8')) as Record1

let tmp: string
let n = 0
/** A fresh project folder and record file for one test. */
function fresh(files: Record<string, string | null>): { dir: string; record: string } {
  const dir = path.join(tmp, `p${++n}`)
  writeTree(dir, files)
  return { dir, record: path.join(tmp, `p${n}.listings.json`) }
}

/** Record the listing (as a release does: load, list, save), then start the next run from that record. */
async function recorded(dir: string, record: string, patterns: string | string[] = ALL, o = opts(dir)): Promise<string[]> {
  loadListings(record)
  const first = await glob(patterns, o, later)
  await saveListings(record)
  loadListings(record)
  return first
}

/** The record with every listing's files replaced by `files`: what a reused listing returns gives it away. */
function forge(record: string, files: string[]): void {
  const data = readRecord(record)
  for (const l of Object.values(data.listings)) l.files = files
  writeFileSync(record, JSON.stringify(data))
  loadListings(record)
}

// ---------------------------------------------------------------------------------------------
const Plain = suite('glob: before any record is loaded')
Plain.before(() => {
  tmp = makeTemp('glob')
})

Plain('fast-glob as it is: nothing recorded, nothing checked', async () => {
  const { dir } = fresh({ 'a.py': '', 'pkg/b.py': '' })
  assert.equal(sorted(await glob(ALL, opts(dir))), sorted(await fg(ALL, opts(dir))))
})
Plain.run()

// ---------------------------------------------------------------------------------------------
const Reuse = suite('glob: a recorded listing is reused while every folder is unchanged')

Reuse('unchanged folders: the recorded listing, not a new walk', async () => {
  const { dir, record } = fresh({ 'a.py': '', 'pkg/b.py': '', 'node_modules/x/y.js': '' })
  assert.equal(sorted(await recorded(dir, record)), ['a.py', 'pkg/b.py'])
  forge(record, ['forged.py'])
  assert.equal(await glob(ALL, opts(dir), later), ['forged.py'], 'the listing should come from the record')
})

Reuse('a file whose content changes is still listed as it was (contents are the callers to read)', async () => {
  const { dir, record } = fresh({ 'a.py': 'one' })
  await recorded(dir, record)
  writeFileSync(path.join(dir, 'a.py'), 'two')
  assert.equal(await glob(ALL, opts(dir), later), ['a.py'])
})

Reuse('other patterns or options are another listing', async () => {
  const { dir, record } = fresh({ 'a.py': '', 'b.txt': '' })
  await recorded(dir, record)
  assert.equal(await glob('**/*.py', opts(dir), later), ['a.py'])
})
Reuse.run()

// ---------------------------------------------------------------------------------------------
const Seen = suite('glob: every change right after the record is seen')

const changes: { name: string; files: Record<string, string | null>; change: (dir: string) => void }[] = [
  { name: 'a file added', files: { 'a.py': '' }, change: (d) => writeFileSync(path.join(d, 'new.py'), '') },
  { name: 'a file added in a subfolder', files: { 'a.py': '', 'pkg/b.py': '' }, change: (d) => writeFileSync(path.join(d, 'pkg/new.py'), '') },
  { name: 'a file added in a deep subfolder', files: { 'a/b/c/d.py': '' }, change: (d) => writeFileSync(path.join(d, 'a/b/c/new.py'), '') },
  { name: 'a file removed', files: { 'a.py': '', 'pkg/b.py': '' }, change: (d) => rmSync(path.join(d, 'pkg/b.py')) },
  { name: 'a file renamed', files: { 'a.py': '', 'pkg/b.py': '' }, change: (d) => renameSync(path.join(d, 'pkg/b.py'), path.join(d, 'pkg/c.py')) },
  { name: 'a file moved to another folder', files: { 'a.py': '', 'pkg/b.py': '', 'other/x': '' }, change: (d) => renameSync(path.join(d, 'pkg/b.py'), path.join(d, 'other/b.py')) },
  {
    name: 'a file in a NEW subfolder',
    files: { 'a.py': '' },
    change: (d) => {
      mkdirSync(path.join(d, 'fresh/deeper'), { recursive: true })
      writeFileSync(path.join(d, 'fresh/deeper/m.py'), '')
    },
  },
  { name: 'an empty folder filled', files: { 'a.py': '', empty: null }, change: (d) => writeFileSync(path.join(d, 'empty/m.py'), '') },
  { name: 'a folder renamed', files: { 'pkg/b.py': '' }, change: (d) => renameSync(path.join(d, 'pkg'), path.join(d, 'lib')) },
  { name: 'a folder removed', files: { 'a.py': '', 'pkg/b.py': '' }, change: (d) => rmSync(path.join(d, 'pkg'), { recursive: true }) },
  { name: 'a file replaced by a folder of the same name', files: { 'a.py': '', x: '' }, change: (d) => (rmSync(path.join(d, 'x')), writeTree(d, { 'x/inner.py': '' })) },
  { name: 'a symbolic link added', files: { 'a.py': '' }, change: (d) => symlinkSync('a.py', path.join(d, 'link.py')) },
]
for (const c of changes) {
  Seen(c.name, async () => {
    const { dir, record } = fresh(c.files)
    await recorded(dir, record)
    c.change(dir)
    assert.equal(sorted(await glob(ALL, opts(dir), later)), sorted(await fg(ALL, opts(dir))), 'the listing should be made again')
  })
}

Seen('a change whose folder got its old modification time back (a coarse clock): seen by its change time', async () => {
  const { dir, record } = fresh({ 'a.py': '', 'pkg/b.py': '' })
  const second = Math.floor(Date.now() / 1000) - 60 // a whole second: kept exactly
  utimesSync(path.join(dir, 'pkg'), second, second)
  await recorded(dir, record)
  writeFileSync(path.join(dir, 'pkg/new.py'), '')
  utimesSync(path.join(dir, 'pkg'), second, second)
  assert.is(statSync(path.join(dir, 'pkg')).mtimeMs, second * 1000, 'the test should put the folder mtime back')
  assert.equal(sorted(await glob(ALL, opts(dir), later)), ['a.py', 'pkg/b.py', 'pkg/new.py'])
})

Seen('a folder replaced by another of the same name and times: seen by its inode', async () => {
  const { dir, record } = fresh({ 'a.py': '', 'pkg/b.py': '' })
  await recorded(dir, record)
  const data = readRecord(record)
  renameSync(path.join(dir, 'pkg'), path.join(dir, 'old'))
  writeTree(dir, { 'pkg/c.py': '' })
  rmSync(path.join(dir, 'old'), { recursive: true })
  // The record made to hold the new folder's times: only the inode differs.
  const pkg = statSync(path.join(dir, 'pkg'))
  const top = statSync(dir)
  for (const l of Object.values(data.listings)) {
    l.dirs[path.join(dir, 'pkg')] = [pkg.mtimeMs, pkg.ctimeMs, l.dirs[path.join(dir, 'pkg')][2]]
    l.dirs[dir] = [top.mtimeMs, top.ctimeMs, top.ino]
  }
  writeFileSync(record, JSON.stringify(data))
  loadListings(record)
  assert.equal(sorted(await glob(ALL, opts(dir), later)), ['a.py', 'pkg/c.py'])
})

Seen('a pattern without ** (docker/*/Dockerfile): a new image folder', async () => {
  const { dir, record } = fresh({ 'base/Dockerfile': '' })
  await recorded(dir, record, '*/Dockerfile', { cwd: dir, onlyFiles: true } as never)
  writeTree(dir, { 'builder/Dockerfile': '' })
  assert.equal(sorted(await glob('*/Dockerfile', { cwd: dir, onlyFiles: true }, later)), ['base/Dockerfile', 'builder/Dockerfile'])
})

Seen('a pattern without **: a Dockerfile added to a folder that had none', async () => {
  const { dir, record } = fresh({ 'base/Dockerfile': '', 'notes/readme': '' })
  await recorded(dir, record, '*/Dockerfile', { cwd: dir, onlyFiles: true } as never)
  writeFileSync(path.join(dir, 'notes/Dockerfile'), '')
  assert.equal(sorted(await glob('*/Dockerfile', { cwd: dir, onlyFiles: true }, later)), ['base/Dockerfile', 'notes/Dockerfile'])
})

Seen('a folder the listing ignores (node_modules) may change: the listing is the same either way', async () => {
  const { dir, record } = fresh({ 'a.py': '', 'node_modules/x/y.js': '' })
  await recorded(dir, record)
  writeFileSync(path.join(dir, 'node_modules/x/z.js'), '')
  assert.equal(await glob(ALL, opts(dir), later), ['a.py'])
})

Seen('listContext: a .dockerignore changed in place (its folder unchanged) is read again', async () => {
  const { dir, record } = fresh({ Dockerfile: '', 'app.py': '', 'secret.txt': '', '.dockerignore': '' })
  loadListings(record)
  const listed = (await listContext(dir)).map((e) => e.name)
  assert.ok(listed.includes('secret.txt'))
  await saveListings(record)
  loadListings(record)
  writeFileSync(path.join(dir, '.dockerignore'), 'secret.txt\n')
  assert.not.ok((await listContext(dir)).map((e) => e.name).includes('secret.txt'), 'the new rule should apply')
})
Seen.run()

// ---------------------------------------------------------------------------------------------
const Racy = suite('glob: a folder changed within the racy window of its listing is not recorded (cache-file.ts isSettled)')

Racy('just made: listed, not recorded', async () => {
  const { dir, record } = fresh({ 'a.py': '', 'pkg/b.py': '' })
  loadListings(record)
  assert.equal(sorted(await glob(ALL, opts(dir))), ['a.py', 'pkg/b.py'])
  await saveListings(record)
  assert.equal(readRecord(record).listings, {}, 'nothing should be recorded')
})

Racy('an old modification time is not enough: a recent change time keeps it out', async () => {
  const { dir, record } = fresh({ 'a.py': '' })
  const old = Math.floor(Date.now() / 1000) - 60
  utimesSync(dir, old, old) // mtime a minute ago; ctime now
  loadListings(record)
  await glob(ALL, opts(dir), () => Date.now() + 50)
  await saveListings(record)
  assert.equal(readRecord(record).listings, {}, 'the folder changed within the racy window should keep the listing out of the record')
})

Racy('settled: recorded with the stamp of every folder it could read', async () => {
  const { dir, record } = fresh({ 'a.py': '', 'pkg/b.py': '', 'pkg/sub/c.py': '', 'node_modules/x/y.js': '' })
  await recorded(dir, record)
  const [listing] = Object.values(readRecord(record).listings)
  assert.equal(Object.keys(listing.dirs).sort(), [dir, path.join(dir, 'pkg'), path.join(dir, 'pkg/sub')], 'node_modules is never read: not recorded')
  assert.equal(sorted(listing.files), ['a.py', 'pkg/b.py', 'pkg/sub/c.py'])
})
Racy.run()

// ---------------------------------------------------------------------------------------------
const Record = suite('loadListings, saveListings: the record file')

Record('a missing or corrupt record is none: listed again', async () => {
  const { dir, record } = fresh({ 'a.py': '' })
  writeFileSync(record, '{ nope')
  loadListings(record)
  assert.equal(await glob(ALL, opts(dir), later), ['a.py'])
  loadListings(path.join(tmp, 'absent.json'))
  assert.equal(await glob(ALL, opts(dir), later), ['a.py'])
})

Record('only the listings this run used are saved', async () => {
  const { dir, record } = fresh({ 'a.py': '', 'b.txt': '' })
  await recorded(dir, record)
  await glob('**/*.txt', opts(dir), later)
  await saveListings(record)
  loadListings(record)
  await glob('**/*.txt', opts(dir), later)
  await saveListings(record)
  assert.equal(Object.keys(readRecord(record).listings).length, 1, 'the unused listing should be dropped')
})

Record('a folder the record cannot be written in: no error', async () => {
  const { dir } = fresh({ 'a.py': '' })
  const blocked = path.join(tmp, `file${n}`)
  writeFileSync(blocked, '')
  loadListings(path.join(blocked, 'sub', 'x.json'))
  await glob(ALL, opts(dir), later)
  await saveListings(path.join(blocked, 'sub', 'x.json'))
})
Record.after(() => removeTemp(tmp))
Record.run()
