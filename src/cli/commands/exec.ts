import type { Command } from 'commander'

export function register(program: Command): void {
  program
    .command('exec')
    .description('run a command on one node, several (a,b) or all, in parallel; output prefixed by node')
    .argument('<nodes>', 'a node, a comma-separated list, or all')
    .argument('<command...>', 'the command, after --')
    .option('-f, --file <file>', 'lab file (default: ./lab.yaml)')
    .addHelpText(
      'after',
      '\nExit code: the first non-zero exit code of a node, else 0.\n\nExamples:\n  lab exec all -- uptime\n  lab exec master -- docker node ls\n  lab exec node1,node2 -f labs/swarm.yaml -- systemctl is-active docker',
    )
    .action(async (nodes: string, command: string[], opts: Record<string, unknown>, cmd: Command) => (await import('../actions/guest.js')).execCommand(nodes, command, opts, cmd))
}
