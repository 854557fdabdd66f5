/**
 * libvirt's test driver (test:///default) lives inside the virsh process that opened it: every `virsh -c
 * test:///default CMD` starts from the same fresh host. This runner keeps one interactive virsh per URI and
 * sends each call to it, so that the provider's calls see each other's domains, volumes and snapshots, as on a
 * real host. Each call is followed by two markers: one on stdout (echo) and one on stderr (an error about a
 * domain that cannot exist), so that each call's output and error text are cut out exactly.
 * What the test driver cannot do at all (vol-upload: no virStorageVolUpload) is answered here and recorded.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process'
import type { CliRunner } from '../../src/providers/cli-runner.js'
import type { RunResult } from '../../src/util/run.js'

function quote(arg: string): string {
  return /^[A-Za-z0-9_./:=+@-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`
}

class Session {
  private out = ''
  private err = ''
  private n = 0
  private queue: Promise<unknown> = Promise.resolve()
  constructor(readonly proc: ChildProcessWithoutNullStreams) {
    proc.stdout.on('data', (d: Buffer) => {
      this.out += d.toString()
      this.wake()
    })
    proc.stderr.on('data', (d: Buffer) => {
      this.err += d.toString()
      this.wake()
    })
  }
  private waiter: (() => void) | undefined
  private wake() {
    this.waiter?.()
  }
  call(args: readonly string[]): Promise<{ stdout: string; stderr: string }> {
    const next = this.queue.then(() => this.send(args))
    this.queue = next.catch(() => undefined)
    return next
  }
  private async send(args: readonly string[]): Promise<{ stdout: string; stderr: string }> {
    const mark = `__vmlab_mark${++this.n}__`
    // The quotes make the command line as virsh echoes it differ from what echo and the error print.
    const split = `__vmlab_mark"${this.n}"__`
    this.proc.stdin.write(`${args.map(quote).join(' ')}\necho ${split}\ndominfo ${split}\n`)
    const errMark = `failed to get domain '${mark}'`
    while (!(this.out.includes(`${mark}\n`) || this.out.match(new RegExp(`(^|\\n|# )${mark}`))) || !this.err.includes(errMark)) {
      await new Promise<void>((r) => {
        this.waiter = r
        setTimeout(r, 50)
      })
    }
    const outCut = this.out.search(new RegExp(`(?<!echo )${mark}`))
    const stdout = this.out.slice(0, outCut).replace(/virsh # [^\n]*(\n|$)/g, '')
    this.out = this.out.slice(outCut + mark.length).replace(/^\n/, '')
    const errCut = this.err.indexOf(errMark)
    const stderr = this.err.slice(0, this.err.lastIndexOf('error:', errCut))
    this.err = this.err.slice(errCut + errMark.length).replace(/^\n/, '')
    return { stdout, stderr }
  }
}

export class VirshSessionRunner implements CliRunner {
  readonly dryRun = false
  readonly calls: string[][] = []
  /** Calls this runner answered itself, the test driver having no such function. */
  readonly modelled: string[][] = []
  private readonly sessions = new Map<string, Session>()

  async run(file: string, args: readonly string[]): Promise<RunResult> {
    this.calls.push([file, ...args])
    const uri = args[1]!
    const cmd = args.slice(2)
    if (cmd[0] === 'vol-upload') {
      this.modelled.push([...args])
      return { command: [file, ...args], exitCode: 0, stdout: '', stderr: '', durationMs: 0 }
    }
    let s = this.sessions.get(uri)
    if (!s) {
      s = new Session(spawn(file, ['-q', '-c', uri], { env: { ...process.env, LANG: 'C', LC_ALL: 'C' } }))
      this.sessions.set(uri, s)
    }
    const r = await s.call(cmd)
    return { command: [file, ...args], exitCode: /(^|\n)error: /.test(r.stderr) ? 1 : 0, stdout: r.stdout, stderr: r.stderr, durationMs: 0 }
  }

  /** virsh calls by command (`define`, `start`, …). */
  count(cmd: string): number {
    return this.calls.filter((c) => c[3] === cmd).length
  }

  close(): void {
    for (const s of this.sessions.values()) {
      s.proc.stdin.end('quit\n')
      s.proc.kill()
    }
    this.sessions.clear()
  }
}
