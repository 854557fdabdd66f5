/**
 * The command line: commander and the light command definitions only; each command imports what it
 * needs when it runs, so `lab --help` stays instant.
 */
import { Command, CommanderError } from './commander.js'
import { COMMANDS } from './commands/index.js'

export async function main(argv: string[], version: string): Promise<void> {
  const program = new Command()
  program
    .name('lab')
    .description('Build classroom labs of virtual machines: kickstart, unattended base install, linked clones, snapshots, modules over SSH.')
    .version(version, '-V, --version')
    .option('-v, --verbose', 'show every hypervisor and SSH command')
    .option('--instance <id>', "a student's own copy of the lab (its VMs, network, keys and state); `lab class` makes them")
    .showSuggestionAfterError(true)
    .configureHelp({ sortSubcommands: false })
    .exitOverride()
    .addHelpText(
      'after',
      `
Exit codes: 0 ok, 1 failure, 2 bad input (lab file, flags).
Lab file: -f FILE, or the first argument; else ./lab.yaml; up/plan/validate/kickstart fall back to the built-in "swarm" lab.

Examples:
  lab up
  lab status
  lab reset
  lab validate labs/swarm.yaml
  lab plan --commands --provider virtualbox`,
    )

  for (const register of COMMANDS) register(program)
  program.hook('preAction', async (root) => {
    const id = root.opts().instance as string | undefined
    if (id !== undefined) (await import('../lab/current-instance.js')).setCurrentInstance(id)
  })

  try {
    await program.parseAsync(argv)
  } catch (err) {
    if (err instanceof CommanderError) {
      // commander has printed its own message; usage mistakes are bad input.
      process.exitCode = err.exitCode === 0 ? 0 : 2
    } else {
      // Loaded only here: `lab --help` has no error to report.
      const { reportError } = await import('./report-error.js')
      process.exitCode = reportError(err, Boolean(program.opts().verbose))
    }
  }
}
