import type { Command } from 'commander'
import { withLabFile, labFileFrom } from '../lab-option.js'

export function register(program: Command): void {
  withLabFile(program.command('provision').description('run the modules again: repairs drift, changes nothing on a converged lab'))
    .option('--only <modules...>', 'only these modules')
    .option('--check', 'show what would change (with diffs) and change nothing')
    .option('--json', 'print the results as JSON')
    .addHelpText('after', '\nExamples:\n  lab provision\n  lab provision --check\n  lab provision --only chrony swarm')
    .action(async (file: string | undefined, opts: Record<string, unknown>, cmd: Command) =>
      (await import('../actions/guest.js')).provisionCommand(labFileFrom(file, opts as { file?: string }), opts, cmd),
    )
}
