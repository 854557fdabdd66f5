// Stand-in for VMware's `vmrun`: vmrun [AUTHENTICATION-FLAGS] COMMAND [PARAMETERS].
// Output and exit codes follow the real tool (errors on stdout, exit -1); see README-vmware.md.

import { dieOfSigpipeOnEpipe } from '../sigpipe.mjs'
import { readSimEnv, SimConfigError } from './sim-env.mjs'
import { hangForEver, hangs } from '../hang.mjs'
import { existsSync } from 'node:fs'
import path from 'node:path'
import { sleepSync, withHostState } from './sim-state.mjs'
import { advanceClock, stillReleasing } from './vm-power.mjs'
import { VmrunError, errors } from './vmrun-errors.mjs'
import { KNOWN_COMMANDS } from './vmrun-usage.mjs'
import { list, pause, reset, start, stop, suspend, unpause } from './cmd-power.mjs'
import { deleteSnapshot, listSnapshots, revertToSnapshot, snapshot } from './cmd-snapshot.mjs'
import { clone } from './cmd-clone.mjs'
import { deleteVM } from './cmd-delete-vm.mjs'
import { checkToolsState, getGuestIPAddress } from './cmd-guest.mjs'

const COMMANDS = {
  start,
  stop,
  reset,
  suspend,
  pause,
  unpause,
  list,
  listsnapshots: listSnapshots,
  snapshot,
  reverttosnapshot: revertToSnapshot,
  deletesnapshot: deleteSnapshot,
  clone,
  deletevm: deleteVM,
  getguestipaddress: getGuestIPAddress,
  checktoolsstate: checkToolsState,
}

/** Commands that open a VM's files for writing: refused while the VMware process of a stopped VM still holds them. */
const NEED_VM_FILES = new Set(['start', 'snapshot', 'reverttosnapshot', 'deletesnapshot', 'clone', 'deletevm'])

/** Flags that take a value and must come before the command. */
const VALUE_FLAGS = new Set(['-t', '-gu', '-gp', '-vp', '-h', '-p', '-u'])
const HOST_TYPES = ['ws', 'fusion', 'player']

function parseArgs(argv) {
  const flags = {}
  let i = 0
  for (; i < argv.length && argv[i].startsWith('-'); i += 2) {
    const flag = argv[i].toLowerCase()
    if (!VALUE_FLAGS.has(flag) || i + 1 >= argv.length) throw errors.usage(argv[i])
    flags[flag] = argv[i + 1]
  }
  return { flags, command: argv[i], args: argv.slice(i + 1) }
}

/** vmrun connects to the VMware service of the requested product before anything else. */
function checkHostType(env, flags) {
  const hostType = (flags['-t'] ?? 'ws').toLowerCase()
  if (!HOST_TYPES.includes(hostType)) throw errors.usage(flags['-t'])
  if (env.product === 'player' && hostType !== 'player') {
    throw errors.noService('VIX_SERVICEPROVIDER_VMWARE_WORKSTATION')
  }
  return hostType
}

/** The command's name as VMLAB_SIM_HANG spells it: lower case; vmrun alone (its usage, headed by its version) is `usage`. */
function commandName(argv) {
  try {
    return parseArgs(argv).command?.toLowerCase() ?? 'usage'
  } catch {
    return undefined
  }
}

function run(argv, processEnv) {
  const { flags, command, args } = parseArgs(argv)
  if (command === undefined) throw errors.usage()
  const name = command.toLowerCase()
  if (!KNOWN_COMMANDS.has(name)) throw errors.unrecognizedCommand(command)
  const handler = COMMANDS[name]
  if (handler === undefined) {
    throw new SimConfigError(`command "${command}" is a real vmrun command but is not simulated`)
  }
  const env = readSimEnv(processEnv, { needState: true })
  const hostType = checkHostType(env, flags)
  // Outside the host state lock, as VMware works on a snapshot without holding up other commands.
  if (name === 'snapshot' && env.snapshotMs > 0) sleepSync(env.snapshotMs)
  if (name === 'snapshot' && env.snapshotHold) while (existsSync(env.snapshotHold)) sleepSync(50)
  return withHostState(env.stateDir, (state) => {
    const ctx = { env, state, hostType, now: Date.now() }
    advanceClock(ctx)
    const injected = env.failSpecs.find((f) => f.command === name && !state.consumedFailures.includes(f.id))
    if (injected) {
      state.consumedFailures.push(injected.id)
      const fallback = errors.unknown()
      return { lines: [injected.message ?? fallback.message], exitCode: injected.exitCode ?? fallback.exitCode }
    }
    if (NEED_VM_FILES.has(name) && args[0] !== undefined && stillReleasing(ctx, path.resolve(args[0]))) throw errors.fileInUse()
    const result = handler(ctx, args)
    return Array.isArray(result) ? { lines: result, exitCode: 0 } : result
  })
}

function main() {
  dieOfSigpipeOnEpipe()
  let eol = '\n'
  if (hangs(process.env, commandName(process.argv.slice(2)))) return hangForEver()
  try {
    eol = readSimEnv(process.env, { needState: false }).eol
    const { lines, exitCode } = run(process.argv.slice(2), process.env)
    if (lines.length > 0) process.stdout.write(lines.join(eol) + eol)
    process.exitCode = exitCode
  } catch (error) {
    if (error instanceof VmrunError) {
      process.stdout.write(error.lines.join(eol) + eol)
      process.exitCode = error.exitCode
    } else if (error instanceof SimConfigError) {
      process.stderr.write(`vmrun simulator: ${error.message}\n`)
      process.exitCode = 2
    } else {
      throw error
    }
  }
}

main()
