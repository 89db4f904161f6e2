import { readFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { loadSchema, type SchemaNode } from '../../lib/config/schema.js'
import { tasks } from '../../lib/tasks/registry.js'

// The README's tables come from the registry and the schema: this keeps them from drifting.
const readme = readFileSync(path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../README.md'), 'utf8')
const cell = (s: string) => s.replace(/\|/g, '\\|')

const Readme = suite('README')

for (const t of tasks) {
  Readme(`documents the ${t.name} task as the registry describes it`, () => {
    assert.ok(readme.includes(`| \`${t.name}\` | ${cell(t.description)} |`), `README's task table should have: | \`${t.name}\` | ${t.description} |`)
  })
}

const keys = (props: Record<string, SchemaNode>, prefix = ''): [string, SchemaNode][] =>
  Object.entries(props).flatMap(([k, v]) => (k === '$schema' ? [] : v.properties ? keys(v.properties, `${prefix}${k}.`) : [[`${prefix}${k}`, v] as [string, SchemaNode]]))

for (const [key, node] of keys(loadSchema().properties!)) {
  Readme(`documents config key ${key} with its default and description`, () => {
    const row = `| \`${key}\` | ${Array.isArray(node.type) ? node.type.join(' \\| ') : node.type} | \`${JSON.stringify(node.default)}\` | ${cell(node.description ?? '')} |`
    assert.ok(readme.includes(row), `README's config table should have: ${row}`)
  })
}

Readme.run()
