// Loader hook of trace-modules.mjs (it runs off the main thread): each ES module's URL, as it is loaded.
import { appendFileSync } from 'node:fs'

export async function load(url, context, next) {
  appendFileSync(process.env.VMLAB_TRACE_FILE, `${url}\n`)
  return next(url, context)
}
