import type { Command } from 'commander'
import { withLabFile, labFileFrom } from '../lab-option.js'

export function register(program: Command): void {
  withLabFile(program.command('destroy').description("remove the lab's VMs, disks and network (and its base image unless kept)"))
    .option('--keep-base', 'keep the base image for a faster next `lab up`')
    .option('--force', 'do not ask; also works when the state file is damaged')
    .option('--purge', "also forget the lab's passwords and SSH keys")
    .option('--provider <name>', 'the provider, when the state file is gone')
    .addHelpText('after', '\nExamples:\n  lab destroy\n  lab destroy labs/swarm.yaml --force --keep-base')
    .action(async (file: string | undefined, opts: Record<string, unknown>, cmd: Command) => {
      const { destroyCommand } = await import('../actions/lifecycle.js')
      await destroyCommand(labFileFrom(file, opts as { file?: string }), opts, cmd)
    })
}
