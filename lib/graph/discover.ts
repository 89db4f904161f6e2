import { readFile } from 'node:fs/promises'
import path from 'node:path'
import { glob } from '../glob.js'

/** One image folder: docker/<name>/Dockerfile. */
export interface ImageDir {
  name: string
  dir: string
  dockerfile: string
  text: string
}

/** Every docker/*\/Dockerfile, sorted by name. The folders are the list: nothing names them in code. */
export async function discoverImages(dockerDir: string): Promise<ImageDir[]> {
  const files = await glob('*/Dockerfile', { cwd: dockerDir, onlyFiles: true })
  return Promise.all(
    files.sort().map(async (f) => {
      const dir = path.join(dockerDir, path.dirname(f))
      const dockerfile = path.join(dockerDir, f)
      return { name: path.dirname(f), dir, dockerfile, text: await readFile(dockerfile, 'utf8') }
    }),
  )
}
