#!/usr/bin/env node
/**
 * `lab`. `--version` and `--help` answer before anything else loads (the help as the build wrote it from the
 * program: scripts/postbuild.mjs); everything else goes to the commander program, whose commands load their
 * own code only when they run.
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
const help = builtHelp(args)
// `-v` alone asks the version, as in most tools; with a command it is --verbose.
if (args.length === 1 && (args[0] === '--version' || args[0] === '-V' || args[0] === '-v')) {
  process.stdout.write(version + '\n')
} else if (help !== undefined) {
  process.stdout.write(help)
} else {
  const { main } = await import('./program.js')
  await main(process.argv, version)
}

/**
 * `lab [COMMAND…] --help`: the page as the build got it from the program (80 columns, as for a pipe), since
 * loading commander and every command's definition costs more than the rest of it. Anything else (a word
 * that is not a command, an option) and a terminal narrower than that get commander's own.
 */
function builtHelp(args: string[]): string | undefined {
  const last = args.at(-1)
  const words = args.slice(0, -1)
  if ((last !== '--help' && last !== '-h') || !words.every((w) => /^[a-z][\w-]*$/.test(w))) return undefined
  if (process.stdout.isTTY && (process.stdout.columns ?? 80) < 80) return undefined
  try {
    const pages = JSON.parse(readFileSync(new URL('./help.json', import.meta.url), 'utf8')) as Record<string, string>
    return Object.hasOwn(pages, words.join(' ')) ? pages[words.join(' ')] : undefined
  } catch {
    return undefined
  }
}
