/**
 * How providers run their CLI. The real runner goes through run() (argv array, LANG=C, logged); the
 * recording runner backs `lab plan --commands`: it answers each call with what a machine where nothing
 * exists yet would print, so the provider's own code produces the exact command list.
 */
import { run, type RunOptions, type RunResult } from '../util/run.js'
import { quoteArgv } from '../util/shell-quote.js'

export interface CliRunner {
  run(file: string, args: readonly string[], opts?: RunOptions): Promise<RunResult>
  /** True when commands are only being recorded: providers skip waits and polling. */
  readonly dryRun: boolean
}

export const realRunner: CliRunner = {
  dryRun: false,
  run: (file, args, opts) => run(file, args, opts),
}

/** Answers a recorded call: stdout (and exit code) a fresh machine would give. */
export type FreshMachine = (file: string, args: readonly string[]) => { stdout?: string; stderr?: string; exitCode?: number }

export class RecordingRunner implements CliRunner {
  readonly dryRun = true
  readonly commands: string[][] = []
  constructor(private readonly answer: FreshMachine) {}
  async run(file: string, args: readonly string[]): Promise<RunResult> {
    this.commands.push([file, ...args])
    const a = this.answer(file, args)
    return { command: [file, ...args], exitCode: a.exitCode ?? 0, stdout: a.stdout ?? '', stderr: a.stderr ?? '', durationMs: 0 }
  }
  lines(): string[] {
    return this.commands.map((c) => quoteArgv(c))
  }
}
