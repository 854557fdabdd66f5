/** The commands that only read a lab file and change no VM: validate, plan, kickstart. */
import type { Command } from 'commander'
import { withLabFile, labFile } from '../lab-option.js'

export function validate(program: Command): void {
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
      process.exitCode = await validateCommand(await labFile(file, opts), opts)
    })
}

export function plan(program: Command): void {
  withLabFile(program.command('plan').description('show the VMs, network, addresses and modules `lab up` would create and run; changes nothing'))
    .option('--provider <name>', 'plan for this provider: virtualbox, vmware, qemu or libvirt (default: the lab file, else auto)')
    .option('--json', 'print the plan as JSON')
    .option('--commands', 'print, one per line and shell-quoted, the hypervisor commands `lab up` would run on a machine where nothing exists yet')
    .addHelpText(
      'after',
      `
Examples:
  lab plan
  lab plan labs/registry.yaml --provider vmware
  lab plan -f lab.yaml --json
  lab plan --commands --provider virtualbox`,
    )
    .action(async (file: string | undefined, opts: { file?: string; provider?: string; json?: boolean; commands?: boolean }) => {
      const { planCommand } = await import('../actions/plan.js')
      await planCommand(await labFile(file, opts), opts)
    })
}

export function kickstart(program: Command): void {
  withLabFile(program.command('kickstart').description("write the lab's kickstart files (the base VM's and one per node) and print their paths"))
    .option('--os <os>', "write them for this OS instead of the lab file's (centos7, rocky8, rocky9, alma8, alma9, centos-stream9)")
    .option('--out <dir>', 'folder to write into (default: kickstart-<lab>)')
    .option('--provider <name>', "whose MAC range the lab NIC uses (default: the lab file's, else the installed hypervisor, else virtualbox)")
    .option('--json', 'print the files written (absolute paths) as JSON')
    .addHelpText(
      'after',
      `
Each node's file installs that node on its own (hostname, static lab address, root's SSH key, the lab
user); base.cfg is what \`lab up\` installs the base VM with. Passwords are written only as SHA-512
hashes; the clear ones stay in .lab/<lab>/secrets.json (mode 0600): see \`lab creds\`.
To install by hand, put a file on a CD labelled OEMDRV as ks.cfg, or boot with inst.ks=URL.

Examples:
  lab kickstart
  lab kickstart labs/swarm.yaml --out ks/
  lab kickstart -f lab.yaml --os centos7 --out ks-c7/`,
    )
    .action(async (file: string | undefined, opts: { file?: string; os?: string; out?: string; provider?: string; json?: boolean }) => {
      const { kickstartCommand } = await import('../actions/kickstart.js')
      await kickstartCommand(await labFile(file, opts), opts)
    })
}

export function labs(program: Command): void {
  program
    .command('labs')
    .description('list the labs shipped with vmlab (any command takes their name) and the labs with state in this folder')
    .option('--json', 'print as JSON')
    .addHelpText('after', '\nExamples:\n  lab labs\n  lab up registry')
    .action(async (opts: { json?: boolean }) => (await import('../actions/labs.js')).labsCommand(opts))
}

export function completion(program: Command): void {
  program
    .command('completion')
    .argument('<shell>', 'bash, zsh, fish or powershell')
    .description('print the shell completion script (commands, options, node, snapshot and exercise names)')
    .option('--json', 'print the shell and the script as JSON')
    .addHelpText(
      'after',
      '\nExamples:\n  eval "$(lab completion bash)"      # in ~/.bashrc\n  eval "$(lab completion zsh)"       # in ~/.zshrc\n  lab completion fish > ~/.config/fish/completions/lab.fish\n  lab completion powershell | Out-String | Invoke-Expression   # in $PROFILE',
    )
    .action(async (shell: string, opts: { json?: boolean }) => {
      const script = (await import('../actions/complete.js')).completionScript(shell)
      if (opts.json) (await import('../json-output.js')).printJson({ shell, script })
      else process.stdout.write(script)
    })
  program
    .command('__complete', { hidden: true })
    .argument('[words...]')
    .allowUnknownOption()
    .helpOption(false)
    .action(async (words: string[], _opts: unknown, cmd: Command) => {
      const { candidates, commandTree } = await import('../actions/complete.js')
      const out = candidates(commandTree(cmd.parent!), words.length ? words : [''])
      if (out.length) process.stdout.write(out.join('\n') + '\n')
    })
}
