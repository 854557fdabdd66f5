/**
 * Thin typed wrappers over `vmrun` and `vmware-vdiskmanager`: one method per command, argv only, no policy.
 * Every vmrun call names the product (`-T ws` or `-T fusion`) and passes absolute .vmx paths; its output is
 * scanned for `Error:` lines whatever the exit code, and lock errors are retried with back-off (half a minute
 * by default, LOCK_RETRY) because VMware releases a VM's files a moment after the previous command returned,
 * longer on a loaded host.
 */
import type { CliRunner } from '../cli-runner.js'
import type { RunOptions, RunResult } from '../../util/run.js'
import { CommandError } from '../../util/errors.js'
import { quoteArgv } from '../../util/shell-quote.js'
import { LOCK_RETRY, retryOrLastError } from '../../util/retry.js'
import { parseListSnapshots, parseVmrunList, parseVmrunVersion, vmrunErrorLines } from './vmrun-output.js'
import { VmrunError } from './vmrun-error.js'
import { VDISKMANAGER, vmrunCallLimit, vmwareCallOptions } from './call-limits.js'

/** `-T ws` for Workstation Pro, `-T fusion` for Fusion (Player's `-T player` can neither snapshot nor clone). */
export type HostType = 'ws' | 'fusion'

export interface VmrunDriverOptions {
  vmrun: string
  vdiskmanager: string
  hostType: HostType
  runner: CliRunner
  /** How long to keep retrying "The file is already in use" (ms). */
  lockRetryMs?: number
}

export class VmrunDriver {
  constructor(private readonly opts: VmrunDriverOptions) {}

  private async vmrunOnce(args: string[], runOpts: RunOptions): Promise<RunResult> {
    const command = [this.opts.vmrun, ...args]
    const r = await this.opts.runner.run(this.opts.vmrun, args, { ...runOpts, reject: false })
    const errors = vmrunErrorLines(r.stdout)
    if (errors.length > 0 || r.exitCode !== 0) {
      const said = errors.length > 0 ? errors.join('\n') : (r.stdout.trim() || r.stderr.trim()).split(/\r?\n/).slice(0, 3).join('\n')
      throw new VmrunError({ command, code: r.exitCode, stdout: r.stdout, stderr: r.stderr, said: said || '(no output)' })
    }
    return r
  }

  /** Runs `vmrun -T <type> <command> …`, retrying lock errors until `lockRetryMs` has passed. */
  private async vmrun(command: string, args: readonly string[] = [], runOpts: RunOptions = {}): Promise<RunResult> {
    const argv = ['-T', this.opts.hostType, command, ...args]
    // A caller's own limit (a soft stop's wait for the guest) goes before the command's.
    const opts = { ...vmwareCallOptions(vmrunCallLimit(command)), ...runOpts }
    if (this.opts.runner.dryRun) return this.vmrunOnce(argv, opts)
    return retryOrLastError(() => this.vmrunOnce(argv, opts), {
      ...LOCK_RETRY,
      deadlineMs: this.opts.lockRetryMs ?? LOCK_RETRY.deadlineMs,
      retryable: (e) => e instanceof VmrunError && e.kind === 'file-in-use',
    })
  }

  /** `vmrun` alone prints its usage, headed by `vmrun version 1.17.0 build-…`. */
  async version(): Promise<string | undefined> {
    const r = await this.opts.runner.run(this.opts.vmrun, [], { reject: false, ...vmwareCallOptions(vmrunCallLimit('')) })
    return parseVmrunVersion(r.stdout)
  }

  /** Absolute .vmx paths of the running VMs, as vmrun spells them. */
  async list(): Promise<string[]> {
    return parseVmrunList((await this.vmrun('list')).stdout)
  }

  async start(vmx: string, gui: 'gui' | 'nogui' = 'nogui'): Promise<void> {
    await this.vmrun('start', [vmx, gui])
  }

  /** `soft` asks the guest through VMware Tools; `timeoutMs` bounds how long vmrun may wait for it. */
  async stop(vmx: string, mode: 'soft' | 'hard', timeoutMs?: number): Promise<void> {
    await this.vmrun('stop', [vmx, mode], timeoutMs === undefined ? {} : { timeoutMs })
  }

  /** `hard`: without asking VMware Tools in the guest to run its suspend scripts first (our guests have none). */
  async suspend(vmx: string): Promise<void> {
    await this.vmrun('suspend', [vmx, 'hard'])
  }

  async pause(vmx: string): Promise<void> {
    await this.vmrun('pause', [vmx])
  }

  async unpause(vmx: string): Promise<void> {
    await this.vmrun('unpause', [vmx])
  }

  async snapshot(vmx: string, name: string): Promise<void> {
    await this.vmrun('snapshot', [vmx, name])
  }

  async listSnapshots(vmx: string): Promise<string[]> {
    return parseListSnapshots((await this.vmrun('listSnapshots', [vmx])).stdout)
  }

  async revertToSnapshot(vmx: string, name: string): Promise<void> {
    await this.vmrun('revertToSnapshot', [vmx, name])
  }

  async deleteSnapshot(vmx: string, name: string): Promise<void> {
    await this.vmrun('deleteSnapshot', [vmx, name])
  }

  async cloneLinked(source: string, dest: string, snapshot: string, cloneName: string): Promise<void> {
    await this.vmrun('clone', [source, dest, 'linked', `-snapshot=${snapshot}`, `-cloneName=${cloneName}`])
  }

  async deleteVM(vmx: string): Promise<void> {
    await this.vmrun('deleteVM', [vmx])
  }

  /**
   * `vmware-vdiskmanager -c -s <N>GB -a lsilogic -t 0 FILE`: one growable file. It refuses to overwrite and
   * may print harmless SSL / VixDiskLib warnings on stderr, so success is its closing line.
   */
  async createDisk(file: string, sizeGiB: number, adapter: 'lsilogic' | 'pvscsi' = 'lsilogic'): Promise<void> {
    const args = ['-c', '-s', `${sizeGiB}GB`, '-a', adapter, '-t', '0', file]
    const r = await this.opts.runner.run(this.opts.vdiskmanager, args, { reject: false, ...vmwareCallOptions(VDISKMANAGER) })
    if (r.exitCode !== 0 || !/Virtual disk creation successful/.test(r.stdout)) {
      const said = (r.stdout.trim() || r.stderr.trim()).split(/\r?\n/).slice(-3).join('\n')
      throw new CommandError({
        message: `${quoteArgv([this.opts.vdiskmanager, ...args])} failed (exit ${r.exitCode}): ${said || '(no output)'}`,
        command: [this.opts.vdiskmanager, ...args],
        code: r.exitCode,
        stdout: r.stdout,
        stderr: r.stderr,
        ...(/already exists/i.test(said) ? { hint: `remove ${file} (left from an earlier attempt) or destroy the VM first` } : {}),
      })
    }
  }
}
