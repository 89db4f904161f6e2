/**
 * The zip format as far as a wheel patch needs it: read an archive's entries (headers and raw
 * compressed bytes, from the central directory), replace one entry's content, write the archive
 * again with every other entry copied byte for byte. Only what Python's zipfile writes for a
 * wheel is handled: stored or deflated entries, sizes in the headers. Anything else (zip64, data
 * descriptors, encryption, split archives) is refused with ZipUnsupported, and the caller builds
 * the wheel the normal way.
 */
import { inflateRawSync } from 'node:zlib'
import { deflateRaw } from 'pako'

/** An archive this module does not handle; `why` names the feature. */
export class ZipUnsupported extends Error {
  constructor(readonly why: string) {
    super(`zip: ${why}`)
  }
}

/** One entry: its central directory fields, its local header's extra field, its compressed bytes. */
export interface ZipEntry {
  name: string
  madeBy: number
  needed: number
  flags: number
  method: number
  time: number
  date: number
  crc: number
  compressedSize: number
  size: number
  internalAttr: number
  externalAttr: number
  centralExtra: Buffer
  localExtra: Buffer
  comment: Buffer
  /** The compressed bytes, as stored. */
  data: Buffer
}

export interface Zip {
  entries: ZipEntry[]
  comment: Buffer
}

const SIG = { local: 0x04034b50, central: 0x02014b50, end: 0x06054b50, zip64Locator: 0x07064b50 }

let table: Uint32Array | undefined

/** CRC-32 (IEEE, as zip uses it), table-driven: Node 20 has no zlib.crc32. */
export function crc32(buf: Buffer): number {
  if (!table) {
    table = new Uint32Array(256)
    for (let n = 0; n < 256; n++) {
      let c = n
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1
      table[n] = c >>> 0
    }
  }
  let crc = 0xffffffff
  for (let i = 0; i < buf.length; i++) crc = table[(crc ^ buf[i]) & 0xff] ^ (crc >>> 8)
  return (crc ^ 0xffffffff) >>> 0
}

/** The end of central directory record's offset: the last signature that fits with its comment. */
function findEnd(buf: Buffer): number {
  for (let i = buf.length - 22; i >= Math.max(0, buf.length - 22 - 0xffff); i--) {
    if (buf.readUInt32LE(i) === SIG.end && i + 22 + buf.readUInt16LE(i + 20) === buf.length) return i
  }
  throw new ZipUnsupported('no end of central directory record')
}

/** The archive's entries, in central directory order. Throws ZipUnsupported on what it does not handle. */
export function readZip(buf: Buffer): Zip {
  const end = findEnd(buf)
  if (end >= 20 && buf.readUInt32LE(end - 20) === SIG.zip64Locator) throw new ZipUnsupported('zip64')
  const [disk, cdDisk, here, count, cdSize, cdOffset] = [4, 6, 8, 10, 12, 16].map((o, i) => (i < 4 ? buf.readUInt16LE(end + o) : buf.readUInt32LE(end + o)))
  if (disk !== 0 || cdDisk !== 0 || here !== count) throw new ZipUnsupported('split archive')
  if (count === 0xffff || cdSize === 0xffffffff || cdOffset === 0xffffffff) throw new ZipUnsupported('zip64')
  const entries: ZipEntry[] = []
  let at = cdOffset
  for (let i = 0; i < count; i++) {
    const entry = readCentral(buf, at)
    entries.push(entry.entry)
    at = entry.next
  }
  if (at !== cdOffset + cdSize) throw new ZipUnsupported('central directory size mismatch')
  return { entries, comment: Buffer.from(buf.subarray(end + 22)) }
}

/** One central directory record at `at`, with its local header and data: the entry and where the next record starts. */
function readCentral(buf: Buffer, at: number): { entry: ZipEntry; next: number } {
  if (at + 46 > buf.length || buf.readUInt32LE(at) !== SIG.central) throw new ZipUnsupported('bad central directory record')
  const u16 = (o: number) => buf.readUInt16LE(at + o)
  const u32 = (o: number) => buf.readUInt32LE(at + o)
  const [nameLen, extraLen, commentLen] = [u16(28), u16(30), u16(32)]
  const flags = u16(8)
  const method = u16(10)
  if (flags & 0x1) throw new ZipUnsupported('encrypted entry')
  if (flags & 0x8) throw new ZipUnsupported('data descriptor')
  if (method !== 0 && method !== 8) throw new ZipUnsupported(`compression method ${method}`)
  const [compressedSize, size, offset] = [u32(20), u32(24), u32(42)]
  if (compressedSize === 0xffffffff || size === 0xffffffff || offset === 0xffffffff || u16(34) !== 0) throw new ZipUnsupported('zip64')
  const name = buf.toString('utf8', at + 46, at + 46 + nameLen)
  if (offset + 30 > buf.length || buf.readUInt32LE(offset) !== SIG.local) throw new ZipUnsupported(`bad local header for ${name}`)
  const localName = buf.readUInt16LE(offset + 26)
  const localExtra = buf.readUInt16LE(offset + 28)
  const dataAt = offset + 30 + localName + localExtra
  if (dataAt + compressedSize > buf.length) throw new ZipUnsupported(`truncated entry ${name}`)
  const entry: ZipEntry = {
    name,
    madeBy: u16(4),
    needed: u16(6),
    flags,
    method,
    time: u16(12),
    date: u16(14),
    crc: u32(16),
    compressedSize,
    size,
    internalAttr: u16(36),
    externalAttr: u32(38),
    centralExtra: Buffer.from(buf.subarray(at + 46 + nameLen, at + 46 + nameLen + extraLen)),
    localExtra: Buffer.from(buf.subarray(offset + 30 + localName, dataAt)),
    comment: Buffer.from(buf.subarray(at + 46 + nameLen + extraLen, at + 46 + nameLen + extraLen + commentLen)),
    data: buf.subarray(dataAt, dataAt + compressedSize),
  }
  return { entry, next: at + 46 + nameLen + extraLen + commentLen }
}

/** An entry's content, uncompressed and checked against its CRC-32 and size. */
export function entryContent(e: ZipEntry): Buffer {
  const content = e.method === 8 ? inflateRawSync(e.data) : Buffer.from(e.data)
  if (content.length !== e.size || crc32(content) !== e.crc) throw new ZipUnsupported(`${e.name}: content does not match its CRC-32 or size`)
  return content
}

/**
 * The entry with `content` in place of its own: same name, times, attributes and method. Pure.
 * Deflated by pako, a port of zlib's own deflate: at zlib's default level it gives the bytes
 * Python's zipfile writes with the system zlib (Node's bundled zlib, Chromium's, gives others),
 * so a patched wheel is the backend's byte for byte.
 */
export function withContent(e: ZipEntry, content: Buffer): ZipEntry {
  const data = e.method === 8 ? Buffer.from(deflateRaw(content)) : Buffer.from(content)
  return { ...e, crc: crc32(content), size: content.length, compressedSize: data.length, data }
}

/** The archive as bytes: each entry's local header and data, the central directory, the end record. */
export function writeZip(zip: Zip): Buffer {
  const parts: Buffer[] = []
  const central: Buffer[] = []
  let offset = 0
  for (const e of zip.entries) {
    const name = Buffer.from(e.name, 'utf8')
    const local = Buffer.alloc(30)
    local.writeUInt32LE(SIG.local, 0)
    writeCommon(local, 4, e, name.length, e.localExtra.length)
    parts.push(local, name, e.localExtra, e.data)
    const record = Buffer.alloc(46)
    record.writeUInt32LE(SIG.central, 0)
    record.writeUInt16LE(e.madeBy, 4)
    writeCommon(record, 6, e, name.length, e.centralExtra.length)
    record.writeUInt16LE(e.comment.length, 32)
    record.writeUInt16LE(0, 34)
    record.writeUInt16LE(e.internalAttr, 36)
    record.writeUInt32LE(e.externalAttr, 38)
    record.writeUInt32LE(offset, 42)
    central.push(record, name, e.centralExtra, e.comment)
    offset += 30 + name.length + e.localExtra.length + e.data.length
  }
  const cd = Buffer.concat(central)
  const end = Buffer.alloc(22)
  end.writeUInt32LE(SIG.end, 0)
  end.writeUInt16LE(zip.entries.length, 8)
  end.writeUInt16LE(zip.entries.length, 10)
  end.writeUInt32LE(cd.length, 12)
  end.writeUInt32LE(offset, 16)
  end.writeUInt16LE(zip.comment.length, 20)
  return Buffer.concat([...parts, cd, end, zip.comment])
}

/** The fields local and central headers share, from "version needed" to the extra field's length. */
function writeCommon(b: Buffer, at: number, e: ZipEntry, nameLen: number, extraLen: number): void {
  b.writeUInt16LE(e.needed, at)
  b.writeUInt16LE(e.flags, at + 2)
  b.writeUInt16LE(e.method, at + 4)
  b.writeUInt16LE(e.time, at + 6)
  b.writeUInt16LE(e.date, at + 8)
  b.writeUInt32LE(e.crc, at + 10)
  b.writeUInt32LE(e.compressedSize, at + 14)
  b.writeUInt32LE(e.size, at + 18)
  b.writeUInt16LE(nameLen, at + 22)
  b.writeUInt16LE(extraLen, at + 24)
}
