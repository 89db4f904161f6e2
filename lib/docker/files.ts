import { pipeline } from 'node:stream/promises'
import tar from 'tar-stream'
import type { Container } from 'dockerode'
import type { Docker } from './client.js'
import { UserError, interrupted } from '../errors.js'
import { ask, engineFailure, ignoreNotFound, notFound } from './engine.js'
import { createOptions, type ContainerSpec } from './container-spec.js'
import { logTail } from './run-container.js'

/**
 * Read files out of an image without running it: create a container (never started), fetch each
 * path as a tar archive, remove the container. Each file's text, or undefined when the image has
 * no such file.
 */
export async function readFilesFromImage(docker: Docker, image: string, files: string[], labels: Record<string, string>): Promise<(string | undefined)[]> {
  let container
  try {
    container = await docker.createContainer({ Image: image, Labels: labels, Entrypoint: ['/bin/true'] })
  } catch (e) {
    throw new UserError(`cannot open image ${image}: ${(e as Error).message.split('\n')[0]}`, {
      hint: notFound(e) ? 'build it first (pypackage-tasks release), or name an existing image' : undefined,
      cause: e,
    })
  }
  let failed = false
  try {
    const texts: (string | undefined)[] = []
    for (const file of files) texts.push(await readArchivedFile(container, image, file))
    return texts
  } catch (e) {
    failed = true
    throw e
  } finally {
    // Always removed; when the reading failed (the engine went away, say), that failure is the
    // one reported, not the removal's.
    await ignoreNotFound(`remove the container that read ${image}`, container.remove({ force: true })).catch((e: unknown) => {
      if (!failed) throw e
    })
  }
}

/**
 * One file's text, or undefined when the image has no such file (or it is not a regular file).
 * A failure of the request, of the archive stream (the engine went away mid-transfer) or of the
 * tar (the archive ends inside the file) is one UserError.
 */
async function readArchivedFile(container: Container, image: string, file: string): Promise<string | undefined> {
  const what = `read ${file} from ${image}`
  let archive: NodeJS.ReadableStream
  try {
    archive = await container.getArchive({ path: file })
  } catch (e) {
    if (notFound(e)) return undefined
    throw engineFailure(what, e)
  }
  const extract = tar.extract()
  let text: string | undefined
  extract.on('entry', (header, stream, next) => {
    const chunks: Buffer[] = []
    stream.on('data', (c: unknown) => chunks.push(c as Buffer))
    // A failed entry fails the extract too, which the pipeline reports.
    stream.on('error', () => {})
    stream.on('end', () => {
      if (header.type === 'file' && text === undefined) text = Buffer.concat(chunks).toString('utf8')
      next()
    })
    stream.resume()
  })
  try {
    await pipeline(archive, extract)
  } catch (e) {
    throw engineFailure(what, e)
  }
  return text
}

/** The bytes of the one file an archive of it holds (the engine tars what it is asked for). */
async function archivedBytes(archive: NodeJS.ReadableStream): Promise<Buffer | undefined> {
  const extract = tar.extract()
  let bytes: Buffer | undefined
  extract.on('entry', (header, stream, next) => {
    const chunks: Buffer[] = []
    stream.on('data', (c: unknown) => chunks.push(c as Buffer))
    stream.on('error', () => {})
    stream.on('end', () => {
      if (header.type === 'file' && bytes === undefined) bytes = Buffer.concat(chunks)
      next()
    })
  })
  await pipeline(archive, extract)
  return bytes
}

/**
 * Create a container of `spec`, unpack `files.tar` at `files.dir` in it, run it, read `collect`
 * back (undefined when it wrote none); the container is removed whatever happens.
 */
export async function runCollecting(docker: Docker, spec: ContainerSpec, files: { dir: string; tar: Buffer }, collect: string, signal?: AbortSignal) {
  const container = await ask(`create a container of ${spec.image}`, docker.createContainer(createOptions(spec)))
  const stop = () => void container.remove({ force: true }).catch(() => {})
  signal?.addEventListener('abort', stop, { once: true })
  try {
    await ask(`copy files into a container of ${spec.image}`, container.putArchive(files.tar, { path: files.dir }))
    await ask(`start a container of ${spec.image}`, container.start())
    const { StatusCode } = (await ask(`wait for a container of ${spec.image}`, container.wait())) as { StatusCode: number }
    const output = await logTail(container, 200)
    let file: Buffer | undefined
    try {
      file = await archivedBytes(await container.getArchive({ path: collect }))
    } catch (e) {
      if (!notFound(e)) throw engineFailure(`read ${collect} from a container of ${spec.image}`, e)
    }
    return { exitCode: StatusCode, output, file }
  } catch (e) {
    // Removed under it by Ctrl-C: that is what happened, not an engine failure.
    throw signal?.aborted ? interrupted(signal) : e
  } finally {
    signal?.removeEventListener('abort', stop)
    await ignoreNotFound(`remove a container of ${spec.image}`, container.remove({ force: true }))
  }
}
