import type { Writable } from 'node:stream'

// The Engine API's framed output of a non-TTY container or exec, for stubs of dockerode.

/** One frame: stream (1 stdout, 2 stderr), 0, 0, 0, size as uint32 BE, then the bytes. */
export function frame(stream: 1 | 2, data: string | Buffer): Buffer {
  const body = Buffer.from(data)
  const head = Buffer.alloc(8)
  head[0] = stream
  head.writeUInt32BE(body.length, 4)
  return Buffer.concat([head, body])
}

/** docker-modem's demuxStream, for those frames: stdout frames to `out`, stderr frames to `err`. */
export function demuxStream(source: NodeJS.ReadableStream, out: Writable, err: Writable): void {
  let buf = Buffer.alloc(0)
  source.on('data', (chunk: Buffer) => {
    buf = Buffer.concat([buf, chunk])
    while (buf.length >= 8 && buf.length >= 8 + buf.readUInt32BE(4)) {
      const size = buf.readUInt32BE(4)
      ;(buf[0] === 2 ? err : out).write(buf.subarray(8, 8 + size))
      buf = buf.subarray(8 + size)
    }
  })
}
