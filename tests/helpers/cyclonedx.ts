import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'
import AjvModule, { type ErrorObject, type ValidateFunction } from 'ajv'
import formatsModule from 'ajv-formats'

// Both are CommonJS packages whose ESM default is the module object, not the export.
const Ajv = AjvModule.default
const addFormats = formatsModule.default

/**
 * The CycloneDX 1.5 JSON schema as @cyclonedx/cyclonedx-library ships it (res/schema): the
 * specification's files, with `$ref`s renamed to the `.SNAPSHOT` file names beside it.
 */
const schemaDir = path.join(path.dirname(createRequire(import.meta.url).resolve('@cyclonedx/cyclonedx-library/package.json')), 'res/schema')
const readSchema = (file: string) => JSON.parse(readFileSync(path.join(schemaDir, file), 'utf8')) as Record<string, unknown>

let compiled: ValidateFunction | undefined

/** A validator for CycloneDX 1.5 JSON, compiled once; no schema is ever fetched. */
function validator(): ValidateFunction {
  if (compiled) return compiled
  const ajv = new Ajv({ strict: false, allErrors: true, loadSchema: (uri) => Promise.reject(new Error(`remote schema ${uri}`)) })
  addFormats(ajv)
  // Formats the schema uses that ajv-formats lacks: the library's own validator accepts any
  // iri-reference too; an idn-email needs an @ between two non-empty parts.
  ajv.addFormat('iri-reference', true)
  ajv.addFormat('idn-email', /^[^\s@]+@[^\s@]+$/u)
  // The bom schema's $id is bom-1.5.schema.json, so its relative $refs resolve under that host.
  ajv.addSchema(readSchema('spdx.SNAPSHOT.schema.json'), 'http://cyclonedx.org/schema/spdx.SNAPSHOT.schema.json')
  ajv.addSchema(readSchema('jsf-0.82.SNAPSHOT.schema.json'), 'http://cyclonedx.org/schema/jsf-0.82.SNAPSHOT.schema.json')
  compiled = ajv.compile(readSchema('bom-1.5.SNAPSHOT.schema.json'))
  return compiled
}

/** Schema errors of a CycloneDX 1.5 document, one line each (`/components/3/hashes/0: …`); [] when valid. */
export function cyclonedxErrors(doc: unknown): string[] {
  const validate = validator()
  if (validate(doc)) return []
  return (validate.errors ?? []).map((e: ErrorObject) => `${e.instancePath || '/'}: ${e.message ?? e.keyword}${e.params ? ` ${JSON.stringify(e.params)}` : ''}`)
}
