import path from 'node:path'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { moduleFile } from '../../../lib/shape/modules.js'
import { makeTemp, removeTemp, writeTree } from '../helpers/tmp.js'

let tmp = ''
let n = 0
const project = (files: Record<string, string>) => writeTree(path.join(tmp, `p${++n}`), { ...files, '.keep': '' })

const ModuleFile = suite('moduleFile')
ModuleFile.before(() => {
  tmp = makeTemp('module')
})
ModuleFile.after(() => removeTemp(tmp))

const moduleFiles: { name: string; files: Record<string, string>; mod: string; want: string | undefined }[] = [
  { name: 'a module file', files: { 'mysite/settings.py': '' }, mod: 'mysite.settings', want: 'mysite/settings.py' },
  { name: 'a settings package', files: { 'config/settings/__init__.py': '', 'config/settings/base.py': '' }, mod: 'config.settings', want: 'config/settings/__init__.py' },
  { name: 'a nested module', files: { 'config/settings/production.py': '' }, mod: 'config.settings.production', want: 'config/settings/production.py' },
  { name: 'under src/', files: { 'src/shop/settings.py': '' }, mod: 'shop.settings', want: 'src/shop/settings.py' },
  { name: 'a package under src/', files: { 'src/shop/settings/__init__.py': '' }, mod: 'shop.settings', want: 'src/shop/settings/__init__.py' },
  { name: 'missing', files: { 'mysite/urls.py': '' }, mod: 'mysite.settings', want: undefined },
]
for (const c of moduleFiles) {
  ModuleFile(`${c.name}: ${c.mod} → ${c.want}`, () => {
    const source = project(c.files)
    assert.is(moduleFile(source, c.mod), c.want && path.join(source, c.want), `${c.mod} should be found at ${c.want}`)
  })
}

ModuleFile.run()
