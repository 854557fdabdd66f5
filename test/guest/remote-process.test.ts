import t from 'tap'
import { EventEmitter } from 'node:events'
import { PassThrough } from 'node:stream'
import type { Client } from 'ssh2'
import { RemoteProcess } from '../../src/guest/remote-process.js'

/** Just enough of an ssh2 channel: stdout and stderr streams, 'exit' and 'close'. */
class FakeChannel extends EventEmitter {
  readonly stderr = new PassThrough()
  input: Buffer | string | undefined
  end(data?: Buffer | string): void {
    this.input = data
  }
  close(): void {
    this.emit('close')
  }
  out(text: string): void {
    this.emit('data', Buffer.from(text))
  }
  err(text: string): void {
    this.stderr.emit('data', Buffer.from(text))
  }
}

async function started(input?: string): Promise<{ proc: RemoteProcess; channel: FakeChannel }> {
  const channel = new FakeChannel()
  const client = { exec: (_cmd: string, cb: (err: Error | undefined, ch: FakeChannel) => void) => cb(undefined, channel) }
  const proc = await RemoteProcess.start(client as unknown as Client, 'x', { maxOutputBytes: 1 << 20, ...(input === undefined ? {} : { input }) })
  return { proc, channel }
}

t.test('the pid line is taken off stderr, even split across chunks and after a profile message', async (t) => {
  const { proc, channel } = await started('stdin data')
  t.equal(channel.input, 'stdin data')
  channel.err('bashrc: warning\nvmlab-p')
  t.equal(proc.pid, undefined)
  channel.err('id:4242\nreal error\n')
  t.equal(proc.pid, 4242)
  channel.out('output\n')
  channel.emit('exit', 2)
  channel.emit('close')
  const outcome = await proc.done
  t.equal(outcome.code, 2)
  t.equal(outcome.noExitStatus, false)
  t.equal(outcome.stdout.text(), 'output\n')
  t.equal(outcome.stderr.text(), 'bashrc: warning\nreal error\n')
})

t.test('a channel that closes without an exit status says so; stderr without a pid line is kept whole', async (t) => {
  const { proc, channel } = await started()
  t.equal(channel.input, undefined, 'stdin is closed at once')
  channel.err('no marker here')
  channel.emit('close')
  const outcome = await proc.done
  t.equal(outcome.noExitStatus, true)
  t.equal(outcome.code, null)
  t.equal(outcome.stderr.text(), 'no marker here')
  t.equal(proc.pid, undefined)
})

t.test('a death by signal comes back as the signal', async (t) => {
  const { proc, channel } = await started()
  channel.err('vmlab-pid:7\n')
  channel.emit('exit', null, 'SIGKILL')
  channel.emit('close')
  const outcome = await proc.done
  t.same([outcome.code, outcome.signal, outcome.noExitStatus], [null, 'SIGKILL', false])
})
