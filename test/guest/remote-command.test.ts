import t from 'tap'
import { run } from '../../src/util/run.js'
import { InputError } from '../../src/util/errors.js'
import { commandText, killGroupScript, PID_MARKER, shellQuote, wrapCommand } from '../../src/guest/remote-command.js'

const nasty = ["it's", 'a b', '$HOME', '`id`', '"q"', '\\', '*', '~', 'x=y', '-n', '', 'ä€', 'line\nbreak', "''", '!', ';rm', '#']

t.test('an argv array comes out of a POSIX shell word for word (dash and bash)', async (t) => {
  const script = `printf '%s\\0' ${commandText(nasty)}`
  for (const shell of ['sh', 'bash']) {
    const out = await run(shell, ['-c', script])
    t.same(out.stdout.split('\0').slice(0, -1), nasty, shell)
  }
})

t.test('inert words stay bare, the rest are single-quoted', async (t) => {
  t.equal(shellQuote('/etc/chrony.conf'), '/etc/chrony.conf')
  t.equal(shellQuote('a=b'), "'a=b'", 'a leading assignment-looking word must not become an assignment')
  t.equal(shellQuote("it's"), `'it'\\''s'`)
  t.equal(shellQuote(''), "''")
  t.throws(() => shellQuote('a\0b'), InputError)
  t.throws(() => commandText([]), InputError)
  t.equal(commandText('echo $HOME'), 'echo $HOME', 'a string is shell text as it is')
})

t.test('the wrapper reports the pid first, exports env and runs under sh -c', async (t) => {
  const wrapped = wrapCommand('echo "$GREETING" from $0', { sudo: false, env: { GREETING: "it's me" } })
  const out = await run('sh', ['-c', wrapped])
  const [first, ...rest] = out.stderr.split('\n')
  t.match(first, new RegExp(`^${PID_MARKER}\\d+$`))
  t.equal(rest.join('\n'), '')
  t.equal(out.stdout, "it's me from sh\n")
  t.match(wrapCommand('id', { sudo: true }), /exec sudo -n -- sh -c id$/)
  t.throws(() => wrapCommand('id', { sudo: false, env: { 'BAD-NAME': 'x' } }), InputError)
})

t.test('the kill script ends a whole process group', async (t) => {
  const { spawn } = await import('node:child_process')
  const group = spawn('sh', ['-c', 'sleep 977 & sleep 978; wait'], { detached: true, stdio: 'ignore' })
  const pgid = group.pid ?? 0
  const exited = new Promise<NodeJS.Signals | null>((resolve) => group.once('exit', (_c, s) => resolve(s)))
  await new Promise((r) => setTimeout(r, 200))
  await run('sh', ['-c', killGroupScript(pgid)])
  t.equal(await exited, 'SIGTERM')
  const left = await run('sh', ['-c', `kill -0 -${pgid} 2>/dev/null && echo alive || echo gone`])
  t.equal(left.stdout.trim(), 'gone')
})
