// After tsc: make the CLI executable and write the lab JSON Schema (for editors) from the one zod definition.
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
chmodSync(join(root, 'dist/cli/main.js'), 0o755)
const { labJsonSchema } = await import(join(root, 'dist/lab/json-schema.js'))
mkdirSync(join(root, 'schema'), { recursive: true })
writeFileSync(join(root, 'schema/lab.schema.json'), JSON.stringify(labJsonSchema(), null, 2) + '\n')
