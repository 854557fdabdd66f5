// `node every-help.mjs DIST`: prints, as JSON, the help page of every `lab` command and subcommand, each got
// from main() of DIST/cli/program.js in this one process, so that a trace of it is the whole help path.
import { join } from 'node:path'
import { helpPages } from '../../scripts/help-pages.mjs'

process.stdout.write(JSON.stringify(await helpPages(join(process.argv[2], 'cli', 'program.js'), '0.0.0')))
