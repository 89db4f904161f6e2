import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

/** A JSON Schema subset: what validate.ts understands. */
export interface SchemaNode {
  type?: string | string[]
  properties?: Record<string, SchemaNode>
  additionalProperties?: boolean | SchemaNode
  items?: SchemaNode
  default?: unknown
  pattern?: string
  enum?: unknown[]
  minimum?: number
  maximum?: number
  description?: string
  /** Our keyword: what to do when the string misses `pattern` (default: the advice for names). */
  'x-fix'?: string
  /** Our keyword: the string is a folder, relative to the project root, that must exist. */
  'x-folder'?: boolean
}

/** Path of the schema file shipped with the package (what `$schema` in .pypackagerc.json points at). */
const schemaPath = fileURLToPath(new URL('../../../schema/pypackagerc.schema.json', import.meta.url))

let cached: SchemaNode | undefined
/** The schema is data (defaults + descriptions); the types below mirror it for the compiler. */
export function loadSchema(): SchemaNode {
  cached ??= JSON.parse(readFileSync(schemaPath, 'utf8')) as SchemaNode
  return cached
}

export interface PipConfig {
  indexUrl: string | null
  extraIndexUrls: string[]
  findLinks: string[]
  noIndex: boolean
  buildIsolation: boolean
}

export interface Config {
  namespace: string
  app: string | null
  source: string
  localPackages: string[]
  requirements: string[] | null
  lock: 'poetry.lock' | 'uv.lock' | 'Pipfile.lock' | null
  wheelhouse: string
  dockerDir: string
  images: { builder: string; release: string }
  buildArgs: Record<string, string>
  /** major.minor, or null: found from the project's files (lib/python.ts). */
  python: string | null
  /** major.minor → OS image, on top of lib/python.ts's table. */
  pythonImages: Record<string, string>
  builder: 'auto' | 'buildkit' | 'legacy'
  /** sharedDisk: null = decided by DOCKER_HOST (docker/client.ts). */
  engine: { sharedDisk: boolean | null; warmBuilder: boolean; patchWheels: boolean }
  pip: PipConfig
  release: {
    settings: string | null
    wsgi: string | null
    asgi: string | null
    command: string | null
    releaseCommand: string | null
    releaseOnStart: boolean
    env: Record<string, string>
    port: number
  }
  run: { hostPort: number; env: Record<string, string> }
  /** Per task: run its release container hardened (true) or as a plain docker run (false). */
  hardening: { run: boolean; smoke: boolean; start: boolean; writable: string[] }
  test: { extra: string | null; group: string | null; requirements: string[] | null; command: string[] | null }
  environment: { database: string }
  registry: string | null
}
