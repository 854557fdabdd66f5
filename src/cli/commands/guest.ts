/** The commands that work on the nodes over SSH (actions/guest.ts): provision, check, ssh, exec. */
import type { Command } from 'commander'
import { withLabFile, labFile } from '../lab-option.js'

export function provision(program: Command): void {
  withLabFile(program.command('provision').description('run the modules again: repairs drift, changes nothing on a converged lab'))
    .option('--modules <modules...>', 'only these modules')
    .option('--only <nodes...>', 'only on these nodes (module names here still work, as before: deprecated, use --modules)')
    .option('--check', 'show what would change (with diffs) and change nothing')
    .option('--json', 'NDJSON on stdout: progress events, then the result')
    .addHelpText('after', '\nExamples:\n  lab provision\n  lab provision --check\n  lab provision --modules chrony swarm\n  lab provision --only node2')
    .action(async (file: string | undefined, opts: Record<string, unknown>, cmd: Command) =>
      (await import('../actions/guest.js')).provisionCommand(await labFile(file, opts as { file?: string }), opts, cmd),
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
      else await (await import('../actions/guest.js')).checkCommand(await labFile(target.file, opts as { file?: string }), opts, cmd)
    })
}

export function ssh(program: Command): void {
  program
    .command('ssh')
    .description("open a shell on a node (OpenSSH client, the lab's key, the node's pinned host key)")
    .argument('<node>', 'node name (a lab file may come before it: lab ssh FILE NODE)')
    .argument('[command...]', 'run this instead of a shell (after --)')
    .option('-f, --file <file>', 'lab file (default: ./lab.yaml)')
    .option('--print', 'print the ssh command line instead of running it')
    .option('--json', 'print how to connect (host, port, user, key, known_hosts, the ssh argv) as JSON; opens no session')
    .addHelpText(
      'after',
      '\n--json (or --print) only tells how to connect: a script runs the session itself, or uses lab exec.\n\nExamples:\n  lab ssh master\n  lab ssh labs/swarm.yaml master\n  lab ssh node1 -- journalctl -u docker -n 20\n  lab ssh master --json',
    )
    .action(async (first: string, rest: string[], opts: Record<string, unknown>, cmd: Command) => {
      const { fileAndName } = await import('../lab-args.js')
      const words = [first, ...rest]
      const t = fileAndName('ssh', '[FILE] NODE [-- COMMAND]', words, rawArgs(cmd), opts as { file?: string })
      await (await import('../actions/guest.js')).sshCommand(t.name, t.rest, { ...opts, ...(t.file !== undefined ? { file: t.file } : {}) }, cmd)
    })
  withLabFile(program.command('ssh-config').description('print an OpenSSH config block for every node (with a known_hosts file of the pinned keys) for ssh, scp, editors and Ansible'))
    .option('--json', 'print the config text and the known_hosts path as JSON')
    .addHelpText('after', '\nExamples:\n  lab ssh-config >> ~/.ssh/config\n  lab ssh-config > lab.ssh && ssh -F lab.ssh master')
    .action(async (file: string | undefined, opts: Record<string, unknown>, cmd: Command) =>
      (await import('../actions/guest.js')).sshConfigCommand(await labFile(file, opts as { file?: string }), opts, cmd),
    )
}

export function exec(program: Command): void {
  program
    .command('exec')
    .description('run a command on one node, several (a,b) or all, in parallel; output prefixed by node')
    .argument('<nodes>', 'a node, a comma-separated list, or all (a lab file may come before it: lab exec FILE NODES -- CMD)')
    .argument('<command...>', 'the command, after --')
    .option('-f, --file <file>', 'lab file (default: ./lab.yaml)')
    .option('--json', "print each node's exit code, stdout and stderr as JSON (not streamed)")
    .addHelpText(
      'after',
      '\nExit code: the first non-zero exit code of a node, else 0.\n\nExamples:\n  lab exec all -- uptime\n  lab exec labs/swarm.yaml all -- uptime\n  lab exec master -- docker node ls\n  lab exec node1,node2 -f labs/swarm.yaml -- systemctl is-active docker',
    )
    .action(async (first: string, command: string[], opts: Record<string, unknown>, cmd: Command) => {
      const { fileAndName } = await import('../lab-args.js')
      const words = [first, ...command]
      const t = fileAndName('exec', '[FILE] NODES -- COMMAND', words, rawArgs(cmd), opts as { file?: string })
      await (await import('../actions/guest.js')).execCommand(t.name, t.rest, { ...opts, ...(t.file !== undefined ? { file: t.file } : {}) }, cmd)
    })
}

/** The words `lab` was given: which of them came after `--` (lab-args.ts). */
function rawArgs(cmd: Command): readonly string[] {
  let root = cmd
  while (root.parent) root = root.parent
  return (root as unknown as { rawArgs: string[] }).rawArgs
}
