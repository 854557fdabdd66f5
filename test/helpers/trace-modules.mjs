// `node --import ./trace-modules.mjs …`: appends to $VMLAB_TRACE_FILE every module the process loads, one a
// line: ES modules as the loader hook sees them, CommonJS ones from require's cache when the process exits
// (less what a test runner preloaded before this file: its instrumentation is none of the program's).
import { register, createRequire } from 'node:module'
import { appendFileSync } from 'node:fs'
import { pathToFileURL } from 'node:url'

const file = process.env.VMLAB_TRACE_FILE
if (!file) throw new Error('trace-modules.mjs: set VMLAB_TRACE_FILE')
register('./trace-modules-hooks.mjs', import.meta.url)
const cache = createRequire(import.meta.url).cache
const preloaded = new Set(Object.keys(cache))
process.on('exit', () => {
  const cjs = Object.keys(cache)
    .filter((path) => !preloaded.has(path))
    .map((path) => pathToFileURL(path).href)
  appendFileSync(file, cjs.map((url) => `${url}\n`).join(''))
})
