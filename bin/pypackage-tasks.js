#!/usr/bin/env node
// Thin entry: all behaviour lives in lib/ (compiled to dist/ by `npm install`/`npm run build`).
import { main } from '../dist/lib/cli.js'

await main(process.argv.slice(2))
