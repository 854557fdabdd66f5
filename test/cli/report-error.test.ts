/** The CLI's last resort: a file-system failure no caller put in words is still told in words, not as a bug. */
import t from 'tap'
import { reportError } from '../../src/cli/report-error.js'

function printed(err: unknown): { code: number; text: string } {
  let text = ''
  const write = process.stderr.write.bind(process.stderr)
  process.stderr.write = ((chunk: string) => {
    text += chunk
    return true
  }) as typeof process.stderr.write
  try {
    return { code: reportError(err, false), text }
  } finally {
    process.stderr.write = write
  }
}

t.test('a raw ENOSPC from anywhere: the path, no space left, the fix, exit code 1', async (t) => {
  const dir = t.testdir({})
  const raw = Object.assign(new Error(`ENOSPC: no space left on device, open '${dir}/kickstart/base.cfg'`), { code: 'ENOSPC', syscall: 'open', path: `${dir}/kickstart/base.cfg`, errno: -28 })
  const { code, text } = printed(raw)
  t.equal(code, 1)
  t.equal(
    text,
    `error: cannot open ${dir}/kickstart/base.cfg: no space left on device\nhint: free space on the disk that holds ${dir} (\`df -h ${dir}\` shows how much is left), then run the command again\n`,
  )
})

t.test('anything else unexpected is still called a bug', async (t) => {
  const { code, text } = printed(new TypeError('x is undefined'))
  t.equal(code, 1)
  t.match(text, /hint: this is a bug in vmlab/)
})
