import t from 'tap'
import { createHash } from 'node:crypto'
import { LabError } from '../../src/util/errors.js'
import { GuestCommandError, GuestTimeoutError } from '../../src/guest/errors.js'
import { GuestSession } from '../../src/guest/session.js'
import { PLAIN_USER, processesMatching, startSshd, SUDO_USER } from '../helpers/sshd.js'

const sshd = await startSshd(t)
const logged: string[] = []
const connect = (user: string, log?: (line: string) => void): Promise<GuestSession> =>
  GuestSession.connect({
    name: 'node1',
    host: sshd.host,
    port: sshd.port,
    user,
    privateKey: sshd.userKey.private,
    hostKey: sshd.hostKey.public,
    ...(log ? { log } : {}),
  })
const root = await connect('root', (l) => logged.push(l))
const sudoer = await connect(SUDO_USER)
t.teardown(() => {
  root.close()
  sudoer.close()
})

/** Waits until no process has `needle` in its command line (a killed process may take a moment to be reaped). */
async function gone(needle: string): Promise<number[]> {
  for (let i = 0; i < 30; i++) {
    const left = await processesMatching(needle)
    if (left.length === 0) return left
    await new Promise((r) => setTimeout(r, 100))
  }
  return processesMatching(needle)
}

t.test('exit codes, stdout and stderr come back apart', async (t) => {
  const r = await root.exec('echo out; echo err >&2; exit 3')
  t.same({ code: r.code, signal: r.signal, stdout: r.stdout, stderr: r.stderr }, { code: 3, signal: undefined, stdout: 'out\n', stderr: 'err\n' })
  t.equal((await root.exec('true')).code, 0)
  const killed = await root.exec('kill -KILL $$')
  t.equal(killed.code, null)
  t.equal(killed.signal, 'SIGKILL')
})

t.test('an argv array arrives word for word (quotes, spaces, $)', async (t) => {
  const words = ["it's", 'two words', '$HOME', '`id`', '"', 'a=b', '*', '']
  const r = await root.exec(['printf', '%s\\n', ...words])
  t.equal(r.stdout, words.map((w) => `${w}\n`).join(''))
})

t.test('stdin input, or end-of-file at once without it', async (t) => {
  t.equal((await root.exec('cat', { input: 'line 1\nline 2\n' })).stdout, 'line 1\nline 2\n')
  const binary = Buffer.from(Array.from({ length: 256 }, (_, i) => i))
  t.equal((await root.exec('od -An -tx1 -v | tr -d " \\n"', { input: binary })).stdout, binary.toString('hex'))
  t.equal((await root.exec('cat; echo end', { timeoutMs: 5000 })).stdout, 'end\n', 'cat does not wait for input')
})

t.test('environment variables reach the command, also through sudo', async (t) => {
  const env = { GREETING: "hello 'world' $x" }
  t.equal((await root.exec('printf %s "$GREETING"', { env })).stdout, env.GREETING)
  t.equal((await sudoer.exec('printf "%s %s" "$(id -u)" "$GREETING"', { env, sudo: true })).stdout, `0 ${env.GREETING}`)
})

t.test('a timeout kills the remote command and its children, then throws', async (t) => {
  const started = Date.now()
  const error = await root.exec('sleep 971.5 & sleep 972.5; echo never', { timeoutMs: 1000 }).catch((e: unknown) => e)
  t.type(error, GuestTimeoutError)
  t.equal((error as Error).message, 'node1: `sleep 971.5 & sleep 972.5; echo never` did not finish within 1 s and was killed')
  t.ok(Date.now() - started < 5000)
  t.same(await gone('sleep 971.5'), [], 'the background child is gone')
  t.same(await gone('sleep 972.5'), [], 'the foreground command is gone')
  t.equal((await root.exec('echo still usable')).stdout, 'still usable\n')
})

t.test('a timeout under sudo kills the root-owned command too', async (t) => {
  const error = await sudoer.exec('sleep 973.5', { sudo: true, timeoutMs: 1000 }).catch((e: unknown) => e)
  t.type(error, GuestTimeoutError)
  t.same(await gone('sleep 973.5'), [])
})

t.test('20 MB of output arrives whole', async (t) => {
  const size = 20 * 1024 * 1024
  const quiet = await connect('root')
  t.teardown(() => quiet.close())
  const r = await quiet.exec(`head -c ${size} /dev/zero | tr '\\0' 'x'; echo; echo tail >&2`)
  t.equal(r.stdout.length, size + 1)
  t.equal(
    createHash('sha256').update(r.stdout).digest('hex'),
    createHash('sha256')
      .update('x'.repeat(size) + '\n')
      .digest('hex'),
  )
  t.equal(r.stderr, 'tail\n')
})

t.test('output beyond the cap stops the command with a clear error', async (t) => {
  const error = await root.exec('yes vmlab-flood-971', { maxOutputBytes: 1024 * 1024 }).catch((e: unknown) => e)
  t.type(error, LabError)
  t.equal((error as Error).message, 'node1: `yes vmlab-flood-971` printed more than 1 MiB on stdout and was stopped')
  t.same(await gone('vmlab-flood-971'), [])
})

t.test('commands and output are logged, with secrets redacted', async (t) => {
  logged.length = 0
  const streamed: string[] = []
  const r = await root.exec('echo token=s3cret; echo warn s3cret >&2', { secrets: ['s3cret'], stream: (line, which) => streamed.push(`${which}:${line}`) })
  t.equal(r.stdout, 'token=s3cret\n', 'the result itself is not redacted')
  t.same(streamed.sort(), ['stderr:warn ***', 'stdout:token=***'])
  t.equal(logged[0], 'node1$ echo token=***; echo warn *** >&2')
  t.ok(logged.includes('node1 stdout: token=***'))
  t.ok(logged.includes('node1 stderr: warn ***'))
  t.match(logged.at(-1), /^node1: exit 0 in \d+ ms$/)
  t.notOk(logged.join('\n').includes('s3cret'))
})

t.test('run() throws a GuestCommandError with the last words of the command', async (t) => {
  const error = await root.run(['sh', '-c', 'echo doing; echo "no such package: x" >&2; exit 100']).catch((e: unknown) => e)
  t.type(error, GuestCommandError)
  const e = error as GuestCommandError
  t.equal(e.message, 'node1: `sh -c \'echo doing; echo "no such package: x" >&2; exit 100\'` exited with 100:\nno such package: x')
  t.equal(e.code, 100)
  t.equal(e.node, 'node1')
  t.equal(e.stdout, 'doing\n')
})

t.test('sudo as a non-root user runs as root', async (t) => {
  t.equal((await sudoer.exec('id -u')).stdout.trim() !== '0', true)
  const r = await sudoer.exec(['id', '-u'], { sudo: true })
  t.equal(r.stdout, '0\n')
  t.equal(r.stderr, '')
  t.equal((await root.exec('id -u', { sudo: true })).stdout, '0\n', 'root needs no sudo')
})

t.test('sudo that wants a password is a clear error', async (t) => {
  const plain = await connect(PLAIN_USER)
  t.teardown(() => plain.close())
  const error = await plain.exec('id -u', { sudo: true }).catch((e: unknown) => e)
  t.type(error, LabError)
  t.equal((error as Error).message, `node1: ${PLAIN_USER} may not use sudo without a password (sudo: a password is required)`)
  t.match((error as LabError).hint, `${PLAIN_USER} ALL=(ALL) NOPASSWD: ALL`)
})

t.test('many commands in parallel share the connection within sshd MaxSessions', async (t) => {
  const before = sshd.connections()
  const results = await Promise.all(Array.from({ length: 25 }, (_, i) => sudoer.exec(`sleep 0.3; echo ${i}`)))
  t.same(
    results.map((r) => r.stdout),
    results.map((_, i) => `${i}\n`),
  )
  t.equal(sshd.connections(), before, 'no new connection')
})
