// `node every-help.mjs DIST`: prints, as JSON, the help page of every `lab` command and subcommand, each got
// from main() of DIST/cli/program.js in this one process, so that a trace of it is the whole help path.
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'

const { main } = await import(pathToFileURL(join(process.argv[2], 'cli', 'program.js')).href)

async function helpOf(words) {
  let out = ''
  const write = process.stdout.write
  process.stdout.write = (chunk) => {
    out += chunk
    return true
  }
  try {
    await main(['node', 'lab', ...words, '--help'], '0.0.0')
  } finally {
    process.stdout.write = write
  }
  const code = process.exitCode ?? 0
  process.exitCode = 0
  return { words, code, out }
}

/** The commands a help page lists (its "Commands:" section, one per line at two spaces), but help. */
function commandsIn(help) {
  const section = help.split('\nCommands:\n')[1]?.split('\n\n')[0] ?? ''
  return section
    .split('\n')
    .flatMap((line) => /^ {2}([a-z][\w-]*)/.exec(line)?.[1] ?? [])
    .filter((name) => name !== 'help')
}

const pages = []
const queue = [[]]
while (queue.length) {
  const page = await helpOf(queue.shift())
  pages.push(page)
  for (const name of commandsIn(page.out)) queue.push([...page.words, name])
}
process.stdout.write(JSON.stringify(pages))
