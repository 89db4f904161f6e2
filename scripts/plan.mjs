#!/usr/bin/env -S npx --no-install zx
// `npx zx scripts/plan.mjs [args…]`: the same as `pypackage-tasks plan [args…]`; the logic lives in lib/.
import { runScript } from '../dist/lib/index.js'

await runScript('plan', import.meta.url)
