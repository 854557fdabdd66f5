/** The bodies of `lab bundle create|verify`: progress on stderr (NDJSON on stdout with --json), the result on stdout. */
import { resolve } from 'node:path'
import { loadLab } from '../../lab/load.js'
import { LabError } from '../../util/errors.js'
import { EXIT } from '../../util/exit-codes.js'
import { reporterFor } from '../progress.js'
import { ndjsonReporter, printJson, printResult } from '../json-output.js'

export async function bundleCreateCommand(file: string | undefined, opts: Record<string, unknown>): Promise<void> {
  const { createBundle } = await import('../../bundle/create.js')
  const loaded = await loadLab(file, { allowDefault: true })
  const out = resolve(typeof opts.out === 'string' ? opts.out : `bundle-${loaded.lab.name}`)
  const report = opts.json ? ndjsonReporter(process.stdout) : reporterFor(process.stderr)
  const r = await createBundle(loaded, { out, report, ...(typeof opts.platform === 'string' ? { platform: opts.platform } : {}) })
  if (opts.json) return printResult({ dir: r.dir, bytes: r.bytes, elapsedMs: r.elapsedMs, artifacts: r.manifest.artifacts.length })
  process.stdout.write(`bundle of ${loaded.lab.name} in ${r.dir}: ${r.manifest.artifacts.length} artifacts, ${(r.bytes / 1e6).toFixed(1)} MB in ${(r.elapsedMs / 1000).toFixed(1)} s\n`)
}

export async function bundleVerifyCommand(dir: string, opts: Record<string, unknown>): Promise<void> {
  const { verifyBundle } = await import('../../bundle/verify.js')
  const r = await verifyBundle(dir, opts.json ? () => {} : reporterFor(process.stderr))
  if (opts.json) {
    // The result is the document; a second one (the error) would make stdout unreadable as JSON.
    printJson(r)
    if (r.problems.length) process.exitCode = EXIT.failed
    return
  }
  for (const p of r.pending) process.stdout.write(`pending: ${p}\n`)
  for (const p of r.problems) process.stdout.write(`${p.problem === 'missing' ? 'MISSING' : 'CHANGED'} ${p.artifact}: ${p.path}: ${p.detail}\n  fix: ${p.fix}\n`)
  if (!r.problems.length) process.stdout.write(`bundle ${r.dir} (lab ${r.lab}) is complete: ${r.checked} files, ${(r.bytes / 1e6).toFixed(1)} MB, every sha256 matches\n`)
  if (r.problems.length) throw new LabError(`bundle ${r.dir}: ${r.problems.length} file${r.problems.length === 1 ? '' : 's'} missing or changed`, { hint: r.problems[0]!.fix })
}
