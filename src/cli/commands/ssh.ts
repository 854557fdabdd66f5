import type { Command } from 'commander'
import { withLabFile, labFileFrom } from '../lab-option.js'

export function register(program: Command): void {
  program
    .command('ssh')
    .description("open a shell on a node (OpenSSH client, the lab's key, the node's pinned host key)")
    .argument('<node>', 'node name')
    .argument('[command...]', 'run this instead of a shell (after --)')
    .option('-f, --file <file>', 'lab file (default: ./lab.yaml)')
    .addHelpText('after', '\nExamples:\n  lab ssh master\n  lab ssh node1 -- journalctl -u docker -n 20')
    .action(async (node: string, rest: string[], opts: Record<string, unknown>, cmd: Command) => (await import('../actions/guest.js')).sshCommand(node, rest, opts, cmd))
  withLabFile(program.command('ssh-config').description('print an OpenSSH config block for every node (with a known_hosts file of the pinned keys) for ssh, scp, editors and Ansible'))
    .addHelpText('after', '\nExamples:\n  lab ssh-config >> ~/.ssh/config\n  lab ssh-config > lab.ssh && ssh -F lab.ssh master')
    .action(async (file: string | undefined, opts: Record<string, unknown>, cmd: Command) =>
      (await import('../actions/guest.js')).sshConfigCommand(labFileFrom(file, opts as { file?: string }), opts, cmd),
    )
}
