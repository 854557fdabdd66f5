/**
 * What the real and the plan's QEMU driver do alike: the programs whose output the provider reads run through
 * the CliRunner, which the plan's records and answers as a fresh machine would.
 */
import type { CliRunner } from '../cli-runner.js'
import { QEMU_PROBE, qemuCallOptions } from './call-limits.js'
import { QemuImg } from './qemu-img.js'

export abstract class RunnerDriver {
  constructor(protected readonly runner: CliRunner) {}

  /** What `qemu --version` printed. */
  async version(qemu: string, env: NodeJS.ProcessEnv): Promise<string> {
    return (await this.runner.run(qemu, ['--version'], qemuCallOptions(qemu, QEMU_PROBE, env))).stdout
  }

  qemuImg(binary: string): QemuImg {
    return new QemuImg(this.runner, binary)
  }
}
