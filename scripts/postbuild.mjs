// After tsc: make the CLI executable and write the lab JSON Schema (for editors) from the one zod definition.
import { chmodSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { helpPages } from './help-pages.mjs'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
// The pages of a build before this one are not this build's.
rmSync(join(root, 'dist/cli/help.json'), { force: true })
chmodSync(join(root, 'dist/cli/main.js'), 0o755)
const { labJsonSchema } = await import(join(root, 'dist/lab/json-schema.js'))
mkdirSync(join(root, 'schema'), { recursive: true })
writeFileSync(join(root, 'schema/lab.schema.json'), JSON.stringify(labJsonSchema(), null, 2) + '\n')

// `lab [COMMAND…] --help` prints these pages without loading commander (src/cli/main.ts): each is what the
// program itself prints, got from it here in one process, so that they cannot drift from the commands.
const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'))
const pages = Object.fromEntries((await helpPages(join(root, 'dist/cli/program.js'), version)).map((p) => [p.words.join(' '), p.out]))
writeFileSync(join(root, 'dist/cli/help.json'), JSON.stringify(pages))
