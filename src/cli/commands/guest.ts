/** The commands that work on the nodes over SSH (actions/guest.ts): provision, check, ssh, exec. */
import type { Command } from 'commander'
import { withLabFile, labFileFrom } from '../lab-option.js'

export function provision(program: Command): void {
  withLabFile(program.command('provision').description('run the modules again: repairs drift, changes nothing on a converged lab'))
    .option('--modules <modules...>', 'only these modules')
    .option('--only <nodes...>', 'only on these nodes (module names here still work, as before: deprecated, use --modules)')
    .option('--check', 'show what would change (with diffs) and change nothing')
    .option('--json', 'NDJSON on stdout: progress events, then the result')
    .addHelpText('after', '\nExamples:\n  lab provision\n  lab provision --check\n  lab provision --modules chrony swarm\n  lab provision --only node2')
    .action(async (file: string | undefined, opts: Record<string, unknown>, cmd: Command) =>
      (await import('../actions/guest.js')).provisionCommand(labFileFrom(file, opts as { file?: string }), opts, cmd),
    )
}

export function check(program: Command): void {
  withLabFile(
    program
      .command('check')
      .argument('[exercise...]', "exercises to grade (a course's ids; default: all of them), or the lab file")
      .description("grade exercises (points, and what is missing for each failing check), or run a lab's own checks (swarm ready, replicas, HTTP …); exit 0 only if all pass"),
    false,
  )
    .option('--student <id>', 'your student id (kept for this lab after the first use)')
    .option('--lang <lang>', 'language of the messages: en or zh')
    .option('--json', 'print as JSON')
    .addHelpText('after', '\nA course lab grades its exercises; any other lab runs its checks: list.\n\nExamples:\n  lab check service-scale\n  lab check --json\n  lab check labs/swarm.yaml')
    .action(async (args: string[], opts: Record<string, unknown>, cmd: Command) => {
      const { checkTarget } = await import('../actions/check-target.js')
      const target = await checkTarget(args, opts as { file?: string })
      if (target.exercises) await (await import('../actions/course.js')).checkExercisesCommand(target.exercises, { ...opts, ...(target.file ? { file: target.file } : {}) }, cmd)
      else await (await import('../actions/guest.js')).checkCommand(labFileFrom(target.file, opts as { file?: string }), opts, cmd)
    })
}

export function ssh(program: Command): void {
  program
    .command('ssh')
    .description("open a shell on a node (OpenSSH client, the lab's key, the node's pinned host key)")
    .argument('<node>', 'node name')
    .argument('[command...]', 'run this instead of a shell (after --)')
    .option('-f, --file <file>', 'lab file (default: ./lab.yaml)')
    .addHelpText('after', '\nExamples:\n  lab ssh master\n  lab ssh node1 -- journalctl -u docker -n 20')
    .action(async (node: string, rest: string[], opts: Record<string, unknown>, cmd: Command) => (await import('../actions/guest.js')).sshCommand(node, rest, opts, cmd))
  withLabFile(program.command('ssh-config').description('print an OpenSSH config block for every node (with a known_hosts file of the pinned keys) for ssh, scp, editors and Ansible'))
    .option('--json', 'print the config text and the known_hosts path as JSON')
    .addHelpText('after', '\nExamples:\n  lab ssh-config >> ~/.ssh/config\n  lab ssh-config > lab.ssh && ssh -F lab.ssh master')
    .action(async (file: string | undefined, opts: Record<string, unknown>, cmd: Command) =>
      (await import('../actions/guest.js')).sshConfigCommand(labFileFrom(file, opts as { file?: string }), opts, cmd),
    )
}

export function exec(program: Command): void {
  program
    .command('exec')
    .description('run a command on one node, several (a,b) or all, in parallel; output prefixed by node')
    .argument('<nodes>', 'a node, a comma-separated list, or all')
    .argument('<command...>', 'the command, after --')
    .option('-f, --file <file>', 'lab file (default: ./lab.yaml)')
    .option('--json', "print each node's exit code, stdout and stderr as JSON (not streamed)")
    .addHelpText(
      'after',
      '\nExit code: the first non-zero exit code of a node, else 0.\n\nExamples:\n  lab exec all -- uptime\n  lab exec master -- docker node ls\n  lab exec node1,node2 -f labs/swarm.yaml -- systemctl is-active docker',
    )
    .action(async (nodes: string, command: string[], opts: Record<string, unknown>, cmd: Command) => (await import('../actions/guest.js')).execCommand(nodes, command, opts, cmd))
}
