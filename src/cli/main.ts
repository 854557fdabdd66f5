#!/usr/bin/env node
/**
 * `lab`. `--version` answers before anything else loads; everything else goes to the commander program,
 * whose commands load their own code only when they run.
 */
import { readFileSync } from 'node:fs'

// `lab status | head`: a reader that stops early ends `lab` quietly, with the exit code it has so far, as any
// Unix tool. Progress and errors go to stderr: a closed stderr only stops them being shown, the work goes on
// and the exit code still tells how it ended.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code !== 'EPIPE') throw error
  process.exit()
})
process.stderr.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code !== 'EPIPE' && error.code !== 'ERR_STREAM_DESTROYED') throw error
})

const { version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }
const args = process.argv.slice(2)
// `-v` alone asks the version, as in most tools; with a command it is --verbose.
if (args.length === 1 && (args[0] === '--version' || args[0] === '-V' || args[0] === '-v')) {
  process.stdout.write(version + '\n')
} else {
  const { main } = await import('./program.js')
  await main(process.argv, version)
}
