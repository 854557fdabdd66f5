// Every help page of `lab` and of each command and subcommand, got from main() of a build's cli/program.js in
// this one process: postbuild.mjs saves them for `lab --help`, the tests trace the help path with them.
import { pathToFileURL } from 'node:url'

/** [{ words, code, out }] for `lab --help`, then every command its pages list, breadth first. */
export async function helpPages(programJs, version) {
  const { main } = await import(pathToFileURL(programJs).href)
  const helpOf = async (words) => {
    let out = ''
    const write = process.stdout.write
    process.stdout.write = (chunk) => {
      out += chunk
      return true
    }
    try {
      await main(['node', 'lab', ...words, '--help'], version)
    } finally {
      process.stdout.write = write
    }
    const code = process.exitCode ?? 0
    process.exitCode = 0
    return { words, code, out }
  }
  const pages = []
  const queue = [[]]
  while (queue.length) {
    const page = await helpOf(queue.shift())
    pages.push(page)
    for (const name of commandsIn(page.out)) queue.push([...page.words, name])
  }
  return pages
}

/** The commands a help page lists (its "Commands:" section, one per line at two spaces), but help. */
function commandsIn(help) {
  const section = help.split('\nCommands:\n')[1]?.split('\n\n')[0] ?? ''
  return section
    .split('\n')
    .flatMap((line) => /^ {2}([a-z][\w-]*)/.exec(line)?.[1] ?? [])
    .filter((name) => name !== 'help')
}
