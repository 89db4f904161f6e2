import { EVENTS_VERSION, type Event } from '../events.js'

/** What --json prints when a run fails: the last line. */
export type ErrorEvent = { type: 'error'; message: string; hint?: string; details?: string[]; usage?: string; exitCode: number }

/**
 * One JSON object per line, for CI systems and scripts, not for eyes: the event as lib/ emitted it,
 * with the contract's version and a timestamp (schema/events.schema.json).
 */
export function jsonLine(e: Event | ErrorEvent): string {
  return JSON.stringify({ v: EVENTS_VERSION, time: new Date().toISOString(), ...e })
}

export function jsonRenderer(write: (line: string) => void): (e: Event) => void {
  return (e) => write(jsonLine(e))
}
