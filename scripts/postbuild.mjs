// After tsc: make the CLI executable and write the lab JSON Schema (for editors) from the one zod definition.
import { chmodSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
// The pages of a build before this one are not this build's.
rmSync(join(root, 'dist/cli/help.json'), { force: true })
chmodSync(join(root, 'dist/cli/main.js'), 0o755)
const { labJsonSchema } = await import(join(root, 'dist/lab/json-schema.js'))
mkdirSync(join(root, 'schema'), { recursive: true })
writeFileSync(join(root, 'schema/lab.schema.json'), JSON.stringify(labJsonSchema(), null, 2) + '\n')

// `lab [COMMAND…] --help` prints these pages without loading commander (src/cli/main.ts): each is what the
// program itself prints, got from it here in one process, so that they cannot drift from the commands.
const { main } = await import(pathToFileURL(join(root, 'dist/cli/program.js')).href)
const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'))
async function helpOf(words) {
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
  process.exitCode = 0
  return out
}
const pages = {}
const queue = [[]]
while (queue.length) {
  const words = queue.shift()
  const out = await helpOf(words)
  pages[words.join(' ')] = out
  // The commands its page lists (the "Commands:" section, one per line at two spaces), but help.
  const section = out.split('\nCommands:\n')[1]?.split('\n\n')[0] ?? ''
  for (const line of section.split('\n')) {
    const name = /^ {2}([a-z][\w-]*)/.exec(line)?.[1]
    if (name && name !== 'help') queue.push([...words, name])
  }
}
writeFileSync(join(root, 'dist/cli/help.json'), JSON.stringify(pages))
