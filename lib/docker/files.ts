import tar from 'tar-stream'
import type { Container } from 'dockerode'
import type { Docker } from './client.js'
import { UserError } from '../errors.js'
import { notFound } from './engine.js'

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
  try {
    const texts: (string | undefined)[] = []
    for (const file of files) texts.push(await readArchivedFile(container, file))
    return texts
  } finally {
    await container.remove({ force: true })
  }
}

async function readArchivedFile(container: Container, file: string): Promise<string | undefined> {
  let archive: NodeJS.ReadableStream
  try {
    archive = await container.getArchive({ path: file })
  } catch (e) {
    if (notFound(e)) return undefined
    throw e
  }
  const extract = tar.extract()
  let text: string | undefined
  extract.on('entry', (header, stream, next) => {
    const chunks: Buffer[] = []
    stream.on('data', (c: unknown) => chunks.push(c as Buffer))
    stream.on('end', () => {
      if (header.type === 'file' && text === undefined) text = Buffer.concat(chunks).toString('utf8')
      next()
    })
    stream.resume()
  })
  await new Promise<void>((resolve, reject) => {
    extract.on('finish', resolve)
    extract.on('error', reject)
    archive.pipe(extract)
  })
  return text
}
