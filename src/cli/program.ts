/**
 * The command line: commander and the light command definitions only; each command imports what it
 * needs when it runs, so `lab --help` stays instant.
 */
import { Command, CommanderError } from './commander.js'
import { COMMANDS } from './commands/index.js'
import { EXIT, EXIT_TABLE } from '../util/exit-codes.js'

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
Exit codes:
${EXIT_TABLE.map(([code, what]) => `  ${String(code).padStart(3)}  ${what}`).join('\n')}
--json (every command): stdout is JSON (NDJSON events and a last "result" line for the long ones: up,
reset, destroy, provision, halt, resume, start, the class commands …); an error is {"error", "hint", "exitCode"}.
Lab file: -f FILE, or an argument (lab up FILE, lab start EX FILE, lab exec FILE NODES -- CMD); else
./lab.yaml; up/plan/validate/kickstart fall back to the built-in "swarm" lab.

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
    // commander ends `lab --help` by throwing too (exit code 0): that path loads nothing more.
    if (err instanceof CommanderError && err.exitCode === 0) {
      process.exitCode = EXIT.ok
      return
    }
    const { jsonRequested, printJsonError } = await import('./json-output.js')
    const json = jsonRequested(argv.slice(2))
    if (err instanceof CommanderError) {
      // commander has printed its own message; usage mistakes are bad input.
      process.exitCode = EXIT.badInput
      if (json) printJsonError({ error: err.message.replace(/^error: /, ''), hint: 'see lab --help', exitCode: EXIT.badInput })
    } else {
      const { reportError } = await import('./report-error.js')
      process.exitCode = reportError(err, Boolean(program.opts().verbose), json)
    }
  }
}
