/**
 * Every virsh call of the provider: `virsh -c URI CMD …` as an argv array through the CliRunner (LANG=C, logged,
 * time-limited). A failed call becomes a LabError that names the command and the host and keeps virsh's reason;
 * the callers that expect a refusal (a missing domain) ask `tryRun` and read the stderr themselves.
 */
import type { CliRunner } from '../cli-runner.js'
import { CHANGE, limitOptions, long, PROBE, type CallLimit } from '../call-limits.js'
import type { RunResult } from '../../util/run.js'
import { CommandError } from '../../util/errors.js'
import { connectionFailed, reason } from './virsh-error.js'

/** Commands that only ask. */
const PROBES = new Set([
  'version',
  'nodeinfo',
  'freecell',
  'list',
  'domstate',
  'dumpxml',
  'domifaddr',
  'net-info',
  'net-list',
  'net-dhcp-leases',
  'pool-info',
  'vol-list',
  'vol-info',
  'vol-path',
  'snapshot-list',
  'uri',
])
/** Commands that copy or make something large. */
const LONG: Record<string, CallLimit> = { 'vol-upload': long(60), 'snapshot-create-as': long(15), 'snapshot-revert': long(15), start: long(5), 'vol-create-as': long(10) }

export function callLimit(command: string): CallLimit {
  return LONG[command] ?? (PROBES.has(command) ? PROBE : CHANGE)
}

export class Virsh {
  constructor(
    private readonly runner: CliRunner,
    readonly uri: string,
    readonly binary = 'virsh',
    private readonly env: NodeJS.ProcessEnv = process.env,
  ) {}

  get dryRun(): boolean {
    return this.runner.dryRun
  }

  /** The argv of one command on this host. */
  argv(args: readonly string[]): string[] {
    return ['-c', this.uri, ...args]
  }

  /** Runs a command and returns its result whatever its exit code; a host that cannot be reached still throws. */
  async tryRun(args: readonly string[]): Promise<RunResult> {
    const opts = limitOptions(callLimit(args[0]!), `virsh on ${this.uri} does not answer: check the host with \`virsh -c ${this.uri} list\``, this.env)
    const r = await this.runner.run(this.binary, this.argv(args), { ...opts, reject: false })
    if (r.exitCode !== 0 && connectionFailed(r.stderr)) throw this.error(r, `cannot connect to ${this.uri}`, hintFor(this.uri))
    return r
  }

  /** Runs a command; its stdout, or a LabError with virsh's reason. */
  async run(args: readonly string[]): Promise<string> {
    const r = await this.tryRun(args)
    if (r.exitCode !== 0) throw this.error(r, `virsh ${args[0]} on ${this.uri} failed: ${reason(r.stderr)}`)
    return r.stdout
  }

  private error(r: RunResult, message: string, hint?: string): CommandError {
    return new CommandError({ message, command: r.command, code: r.exitCode, stdout: r.stdout, stderr: r.stderr, ...(hint ? { hint } : {}) })
  }
}

function hintFor(uri: string): string {
  if (uri.includes('+ssh://')) return `check that \`ssh\` to that host works without a password (an SSH key in its authorized_keys) and that the user there is in the libvirt group`
  return 'start the libvirt daemon (systemctl start libvirtd, or virtqemud.socket) and add yourself to the libvirt group (then log in again)'
}
