import type { Command } from 'commander'
import { withLabFile, labFileFrom } from '../lab-option.js'

export function register(program: Command): void {
  withLabFile(program.command('status').description('power state, lab IP, SSH, snapshots and last module results of every node; base image; disk use'))
    .option('--json', 'print as JSON')
    .addHelpText('after', '\nExamples:\n  lab status\n  lab status labs/swarm.yaml --json')
    .action(async (file: string | undefined, opts: Record<string, unknown>, cmd: Command) => {
      const { statusCommand } = await import('../actions/lifecycle.js')
      await statusCommand(labFileFrom(file, opts as { file?: string }), opts, cmd)
    })
}
