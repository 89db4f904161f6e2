import * as assert from 'uvu/assert'
import { UserError } from '../../../lib/errors.js'

/** The error `fn` throws; fails the test when it returns normally. */
export function thrown(fn: () => unknown, what: string): unknown {
  try {
    fn()
  } catch (e) {
    return e
  }
  assert.unreachable(`${what}: expected an error, but it returned normally`)
  return undefined // not reached: unreachable() throws
}

/** The error `promise` rejects with; fails the test when it resolves. */
export async function rejected(promise: Promise<unknown>, what: string): Promise<unknown> {
  try {
    await promise
  } catch (e) {
    return e
  }
  assert.unreachable(`${what}: expected a rejection, but it resolved`)
  return undefined // not reached: unreachable() throws
}

/** Asserts `e` is a UserError (the kind cli.ts prints as `error:`/`hint:`) and returns it typed. */
function asUserError(e: unknown, what: string): UserError {
  assert.instance(e, UserError, `${what}: expected a UserError, got ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`)
  return e as UserError
}

/** The UserError `fn` throws. */
export function userError(fn: () => unknown, what: string): UserError {
  return asUserError(thrown(fn, what), what)
}

/** The UserError `promise` rejects with. */
export async function rejectedUserError(promise: Promise<unknown>, what: string): Promise<UserError> {
  return asUserError(await rejected(promise, what), what)
}
