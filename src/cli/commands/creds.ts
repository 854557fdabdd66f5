import type { Command } from 'commander'
import { withLabFile, labFileFrom } from '../lab-option.js'

export function register(program: Command): void {
  withLabFile(program.command('creds').description("the lab's passwords (root, lab user, services) and SSH key path"))
    .option('--json', 'print as JSON')
    .addHelpText('after', '\nExamples:\n  lab creds\n  lab creds labs/registry.yaml --json')
    .action(async (file: string | undefined, opts: Record<string, unknown>) => {
      const { credsCommand } = await import('../actions/lifecycle.js')
      await credsCommand(labFileFrom(file, opts as { file?: string }), opts)
    })
}
