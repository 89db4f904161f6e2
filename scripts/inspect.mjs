#!/usr/bin/env -S npx --no-install zx
// `npx zx scripts/inspect.mjs [args…]`: the same as `pypackage-tasks inspect [args…]`; the logic lives in lib/.
import { runScript } from '../dist/lib/index.js'

await runScript('inspect', import.meta.url)
