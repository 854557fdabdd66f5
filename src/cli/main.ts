#!/usr/bin/env node
/**
 * `lab`. `--version` answers before anything else loads; everything else goes to the commander program,
 * whose commands load their own code only when they run.
 */
import { readFileSync } from 'node:fs'

const { version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }
const args = process.argv.slice(2)
if (args.length === 1 && (args[0] === '--version' || args[0] === '-V')) {
  process.stdout.write(version + '\n')
} else {
  const { main } = await import('./program.js')
  await main(process.argv, version)
}
