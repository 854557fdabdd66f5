import type { Command } from 'commander'
import { withLabFile, labFileFrom } from '../lab-option.js'

export function register(program: Command): void {
  withLabFile(program.command('validate').description('check a lab file; prints only what is wrong, or one line OK'))
    .option('--json', 'print the result as JSON')
    .addHelpText(
      'after',
      `
Exit code 2 when the lab file is invalid; nothing is written anywhere.

Examples:
  lab validate labs/swarm.yaml
  lab validate -f my-lab.yaml --json`,
    )
    .action(async (file: string | undefined, opts: { file?: string; json?: boolean }) => {
      const { validateCommand } = await import('../actions/validate.js')
      process.exitCode = await validateCommand(labFileFrom(file, opts), opts)
    })
}
