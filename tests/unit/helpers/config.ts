import * as assert from 'uvu/assert'
import { loadSchema, type Config } from '../../../lib/config/schema.js'
import { validate } from '../../../lib/config/validate.js'

/** The configuration a .pypackagerc.json holding `overrides` gives: the real validator fills the defaults. */
export function config(overrides: Record<string, unknown> = {}): Config {
  const { value, problems } = validate(overrides, loadSchema())
  assert.equal(problems, [], `the test config ${JSON.stringify(overrides)} should be valid`)
  return value as Config
}
