import { readFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { crc32, entryContent, readZip, withContent, writeZip, ZipUnsupported, type Zip } from '../../../lib/pipeline/wheel-zip.js'

const fixtures = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../../tests/fixtures/wheels')
/** A wheel as Python's zipfile wrote it (tests/fixtures/wheels/README.md). */
const tiny = () => readFileSync(path.join(fixtures, 'tiny-0.1-py3-none-any.whl'))

/** What readZip says of `buf`: its entries, or the feature it refused. */
function refusal(buf: Buffer): string | undefined {
  try {
    readZip(buf)
    return undefined
  } catch (e) {
    if (e instanceof ZipUnsupported) return e.why
    throw e
  }
}

/** The first central directory record's offset in `buf`. */
const centralAt = (buf: Buffer) => buf.indexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02]))

// ---------------------------------------------------------------------------------------------
const Crc32 = suite('crc32')

Crc32('the standard check values', () => {
  assert.is(crc32(Buffer.alloc(0)), 0, 'the CRC-32 of nothing is 0')
  assert.is(crc32(Buffer.from('123456789')), 0xcbf43926, 'the CRC-32 check value of "123456789" is cbf43926')
  assert.is(crc32(Buffer.from('The quick brown fox jumps over the lazy dog')), 0x414fa339, 'the CRC-32 of the fox sentence is 414fa339')
})

Crc32.run()

// ---------------------------------------------------------------------------------------------
const ReadZip = suite('readZip')

ReadZip("reads every entry of a wheel Python's zipfile wrote, in order, with the archive comment", () => {
  const zip = readZip(tiny())
  assert.equal(
    zip.entries.map((e) => e.name),
    ['tiny/__init__.py', 'tiny/views.py', 'tiny/templates/tiny/index.html', 'other/views.py', 'tiny/data.bin', 'tiny-0.1.dist-info/METADATA', 'tiny-0.1.dist-info/WHEEL', 'tiny-0.1.dist-info/RECORD'],
    'the entries should be listed in central directory order',
  )
  assert.is(zip.comment.toString(), 'tiny fixture', 'the archive comment should be kept')
  const stored = zip.entries.find((e) => e.name === 'tiny/data.bin')!
  assert.is(stored.method, 0, 'tiny/data.bin is stored')
  assert.is(zip.entries.find((e) => e.name === 'tiny/views.py')!.method, 8, 'tiny/views.py is deflated')
  assert.is(zip.entries[0].externalAttr >>> 16, 0o100644, 'the file mode should be read from the external attributes')
})

const refused: { name: string; change: (b: Buffer) => Buffer; why: RegExp }[] = [
  { name: 'not a zip', change: () => Buffer.from('not a zip at all, and long enough to look'), why: /no end of central directory/ },
  { name: 'a data descriptor', change: (b) => (b.writeUInt16LE(b.readUInt16LE(centralAt(b) + 8) | 0x8, centralAt(b) + 8), b), why: /data descriptor/ },
  { name: 'an encrypted entry', change: (b) => (b.writeUInt16LE(b.readUInt16LE(centralAt(b) + 8) | 0x1, centralAt(b) + 8), b), why: /encrypted/ },
  { name: 'a compression method other than stored or deflated', change: (b) => (b.writeUInt16LE(12, centralAt(b) + 10), b), why: /compression method 12/ },
  { name: 'a zip64 size', change: (b) => (b.writeUInt32LE(0xffffffff, centralAt(b) + 20), b), why: /zip64/ },
  {
    name: 'a zip64 end locator',
    change: (b) => {
      const end = b.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]))
      const locator = Buffer.alloc(20)
      locator.writeUInt32LE(0x07064b50, 0)
      return Buffer.concat([b.subarray(0, end), locator, b.subarray(end)])
    },
    why: /zip64/,
  },
]
for (const c of refused) {
  ReadZip(`refuses ${c.name}`, () => {
    const why = refusal(c.change(Buffer.from(tiny())))
    assert.ok(why && c.why.test(why), `${c.name} should be refused (${c.why}), got ${why}`)
  })
}

ReadZip.run()

// ---------------------------------------------------------------------------------------------
const EntryContent = suite('entryContent')

EntryContent('inflates deflated entries and copies stored ones', () => {
  const zip = readZip(tiny())
  assert.is(entryContent(zip.entries.find((e) => e.name === 'tiny/views.py')!).toString(), 'def index():\n    return "hello"\n', 'the deflated module should come back as written')
  assert.equal([...entryContent(zip.entries.find((e) => e.name === 'tiny/data.bin')!)], [...Array(256).keys()], 'the stored bytes should come back as written')
})

EntryContent('an entry whose CRC-32 does not match is refused', () => {
  const e = readZip(tiny()).entries[1]
  assert.throws(
    () => entryContent({ ...e, crc: e.crc ^ 1 }),
    (err: unknown) => err instanceof ZipUnsupported && /CRC-32/.test(err.why),
    'a wrong CRC should be refused',
  )
})

EntryContent.run()

// ---------------------------------------------------------------------------------------------
const WithContent = suite('withContent')

WithContent('new content, with its CRC-32 and sizes, the rest of the entry as it was', () => {
  const e = readZip(tiny()).entries[1]
  const content = Buffer.from('def index():\n    return "patched"\n')
  const next = withContent(e, content)
  assert.is(next.crc, crc32(content), 'the CRC-32 should be the new content’s')
  assert.is(next.size, content.length, 'the size should be the new content’s')
  assert.is(next.compressedSize, next.data.length, 'the compressed size should be the new data’s')
  assert.equal(entryContent(next), content, 'the entry should hold the new content')
  for (const key of ['name', 'method', 'time', 'date', 'externalAttr', 'madeBy', 'needed', 'flags'] as const) assert.is(next[key], e[key], `${key} should be kept`)
})

WithContent("its own content again: the compressed bytes Python's zipfile wrote (zlib's deflate, as the backend's)", () => {
  for (const e of readZip(tiny()).entries) assert.ok(withContent(e, entryContent(e)).data.equals(e.data), `${e.name} should deflate to the same bytes`)
})

WithContent.run()

// ---------------------------------------------------------------------------------------------
const WriteZip = suite('writeZip')

WriteZip("round trip: a wheel Python's zipfile wrote comes back byte for byte", () => {
  const buf = tiny()
  assert.ok(writeZip(readZip(buf)).equals(buf), 'writeZip(readZip(wheel)) should be the wheel itself')
})

WriteZip('a patched entry: read back with its content, every other entry’s compressed bytes unchanged', () => {
  const zip = readZip(tiny())
  const content = Buffer.from('<p>{{ text }} patched</p>\n')
  const patched: Zip = { ...zip, entries: zip.entries.map((e) => (e.name === 'tiny/templates/tiny/index.html' ? withContent(e, content) : e)) }
  const again = readZip(writeZip(patched))
  assert.equal(
    again.entries.map((e) => e.name),
    zip.entries.map((e) => e.name),
    'the entries should be the same, in the same order',
  )
  for (const [i, e] of again.entries.entries()) {
    if (e.name === 'tiny/templates/tiny/index.html') assert.equal(entryContent(e), content, 'the patched entry should hold its new content')
    else assert.ok(e.data.equals(zip.entries[i].data) && e.crc === zip.entries[i].crc, `${e.name} should be copied byte for byte`)
  }
  assert.is(again.comment.toString(), 'tiny fixture', 'the archive comment should be kept')
})

WriteZip.run()
