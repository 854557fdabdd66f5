// VBoxManage simulator: entry point. Reads the knobs, takes the state lock, runs one command
// and prints what the real VBoxManage would print, with its exit code.
import { readEnv } from './env.mjs'
import { dieOfSigpipeOnEpipe } from '../sigpipe.mjs'
import { hostConventions } from './host.mjs'
import { Exit, Report, srcLine } from './report.mjs'
import { logo, syntaxError, usageOnly, usageText } from './usage.mjs'
import { withLock } from './lock.mjs'
import { waitWhileHeld } from './hold.mjs'
import { loadState, saveState } from './state.mjs'
import { advanceClock } from './machines.mjs'
import { COMMANDS, NOT_SIMULATED } from './commands.mjs'
import { hangForEver, hangs } from '../hang.mjs'

function kernelModuleWarning(release) {
  return [
    'WARNING: The vboxdrv kernel module is not loaded. Either there is no module',
    `         available for the current kernel (${release}) or it failed to`,
    '         load. Please recompile the kernel module and install it by',
    '',
    '           sudo /sbin/vboxconfig',
    '',
    '         You will not be able to start VMs until this problem is fixed.',
    '',
  ].join('\n')
}

/** VMLAB_SIM_FAIL: true when this invocation is one of the first N of the command. */
function consumeInjectedFailure(ctx, command) {
  const budget = ctx.env.failures.get(command)
  if (!budget) return false
  ctx.state.injected[ctx.env.failSpec] ??= {}
  const used = ctx.state.injected[ctx.env.failSpec]
  if ((used[command] ?? 0) >= budget) return false
  used[command] = (used[command] ?? 0) + 1
  return true
}

/** The transient error VirtualBox gives while it is busy (see the reference: retry it). */
function injectedFailure(ctx, command) {
  const where = COMMANDS[command].injectAt ?? {
    call: 'FindMachine(Bstr(a->argv[0]).raw(), machine.asOutParam())',
    file: 'VBoxManageMisc.cpp',
    line: [595, 560],
  }
  ctx.report.fail({
    message: 'The object is not ready',
    hr: 'E_ACCESSDENIED',
    component: 'VirtualBoxWrap',
    iface: 'IVirtualBox',
    call: where.call,
    file: where.file,
    line: srcLine(ctx.env.version, ...where.line),
  })
}

async function runCommand(env, report, argv) {
  await waitWhileHeld(env.holdFile, argv)
  let i = 0
  while (i < argv.length && ['-q', '--nologo', '-nologo', '-d', '--detailed-progress'].includes(argv[i])) i++
  const first = argv[i]
  const VERSION = ['-V', '--version', '-v', '-version', '-Version']
  if (hangs(process.env, VERSION.includes(first) ? '--version' : (COMMANDS[first]?.alias ?? first))) await hangForEver()
  if (first === undefined || ['help', '--help', '-h', '-?', '-help'].includes(first)) {
    report.out(logo(env.version) + usageText(null, env.version).text)
    return 0
  }
  if (VERSION.includes(first)) {
    report.line(env.version.raw)
    return 0
  }
  const known = (key) => (Object.hasOwn(COMMANDS, key) ? COMMANDS[key] : undefined)
  const name = known(first)?.alias ?? first
  const command = known(name)
  if (!command || (command.available && !command.available(env))) {
    if (NOT_SIMULATED.includes(first)) {
      report.errRaw(`VBoxManage simulator: the '${first}' command is not simulated\n`)
      return 1
    }
    return syntaxError(report, null, `Invalid command '${first}'`)
  }
  const args = argv.slice(i + 1)
  if (args.length === 0) return usageOnly(report, name)
  // Outside the state lock, as VirtualBox works on a snapshot without holding up other commands.
  if (name === 'snapshot' && args[1] === 'take' && env.snapshotSeconds > 0) await new Promise((r) => setTimeout(r, env.snapshotSeconds * 1000))

  // One step of the command under the state lock, on the state as it is now.
  const step = (fn) =>
    withLock(env.stateDir, async () => {
      const ctx = { env, conv: report.conv, report, state: loadState(env.stateDir), now: Date.now(), stateDir: env.stateDir }
      advanceClock(ctx)
      let code = 0
      try {
        await fn(ctx)
      } catch (e) {
        // A failing VBoxManage command may already have changed things (unregistervm --delete).
        if (!(e instanceof Exit)) throw e
        code = e.code
      }
      saveState(env.stateDir, ctx.state)
      return { code, next: ctx.later }
    })
  let { code, next } = await step(async (ctx) => {
    if (consumeInjectedFailure(ctx, name)) injectedFailure(ctx, name)
    await command.run(ctx, args)
  })
  // A command VBoxManage does in two API calls (createvm: SaveSettings, then RegisterMachine) may leave its
  // second one in ctx.later, to run after a pause outside the lock: a kill in that pause leaves what a real one does.
  while (next) {
    const later = next
    await new Promise((r) => setTimeout(r, later.afterSeconds * 1000))
    ;({ code, next } = await step(later.run))
  }
  return code
}

async function main() {
  dieOfSigpipeOnEpipe()
  let env
  try {
    env = readEnv()
  } catch (e) {
    process.stderr.write(`VBoxManage simulator: ${e.message}\n`)
    process.exitCode = 1
    return
  }
  const report = new Report(hostConventions(env.hostOs), env.version)
  // The Linux wrapper script warns on stdout before every command when vboxdrv is missing.
  if (env.kernelModuleMissing && env.hostOs === 'linux') report.out(kernelModuleWarning(env.kernelRelease))
  let code
  try {
    code = await runCommand(env, report, process.argv.slice(2))
  } catch (e) {
    if (!(e instanceof Exit)) throw e
    code = e.code
  }
  report.flush()
  process.exitCode = code
}

await main()
