import type { Event } from './events.js'

/** One JSON object per line, with a timestamp: for CI systems and scripts, not for eyes. */
export function jsonRenderer(write: (line: string) => void): (e: Event) => void {
  return (e) => write(JSON.stringify({ time: new Date().toISOString(), ...e }))
}
