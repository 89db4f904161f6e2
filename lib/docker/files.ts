import tar from 'tar-stream'
import type { Docker } from './client.js'
import { UserError } from '../errors.js'

/**
 * Read one file out of an image without running it: create a container (never started), fetch
 * the path as a tar archive, remove the container. Undefined when the image has no such file.
 */
export async function readFileFromImage(docker: Docker, image: string, file: string, labels: Record<string, string>): Promise<string | undefined> {
  let container
  try {
    container = await docker.createContainer({ Image: image, Labels: labels, Entrypoint: ['/bin/true'] })
  } catch (e) {
    const status = (e as { statusCode?: number }).statusCode
    throw new UserError(`cannot open image ${image}: ${(e as Error).message.split('\n')[0]}`, {
      hint: status === 404 ? 'build it first (pypackage-tasks release), or name an existing image' : undefined,
      cause: e,
    })
  }
  try {
    let archive: NodeJS.ReadableStream
    try {
      archive = await container.getArchive({ path: file })
    } catch (e) {
      if ((e as { statusCode?: number }).statusCode === 404) return undefined
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
  } finally {
    await container.remove({ force: true })
  }
}
