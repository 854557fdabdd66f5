import t from 'tap'
import { spawn } from 'node:child_process'
import { readFileSync, statSync, writeFileSync, mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { claimPort } from '../../src/state/port-claims.js'
import { PortPicker } from '../../src/providers/virtualbox/ports.js'
import { ROOT } from '../helpers/cli.js'

t.test('a claim is this process’s until it ends or lapses', async (t) => {
  const dir = t.testdir()
  t.ok(claimPort(2222, { dir }), 'first claim')
  t.ok(claimPort(2222, { dir }), 'the same process may ask again')
  const file = join(dir, 'ports', '2222')
  t.equal(statSync(file).mode & 0o777, 0o600)
  t.equal(statSync(join(dir, 'ports')).mode & 0o777, 0o700)
  t.equal(JSON.parse(readFileSync(file, 'utf8')).pid, process.pid)
  // Another live process (this test's parent) holds 2223: refused while fresh, taken once it lapses.
  mkdirSync(join(dir, 'ports'), { recursive: true })
  writeFileSync(join(dir, 'ports', '2223'), JSON.stringify({ pid: process.ppid, at: Date.now() }))
  t.notOk(claimPort(2223, { dir }), 'a live process’s fresh claim holds')
  t.ok(claimPort(2223, { dir, now: Date.now() + 16 * 60_000 }), 'a claim older than its TTL lapses')
  // A process that is gone, or a half-written file, holds nothing.
  writeFileSync(join(dir, 'ports', '2224'), JSON.stringify({ pid: 2 ** 22 + 12345, at: Date.now() }))
  t.ok(claimPort(2224, { dir }), 'the claimer is gone')
  writeFileSync(join(dir, 'ports', '2225'), '{"pid": 1')
  t.ok(claimPort(2225, { dir }), 'a torn claim file')
})

t.test('an unwritable folder gives no protection but does not fail', async (t) => {
  const dir = t.testdir({ file: 'x' })
  t.ok(claimPort(2222, { dir: join(dir, 'file') }))
})

// Two `lab up` of a class at the same moment: each reads the same VM forwards, and without claims both took 2222.
t.test('two processes picking at once get different ports', async (t) => {
  const dir = t.testdir()
  const script = `
    const { claimPort } = await import(${JSON.stringify(join(ROOT, 'dist/state/port-claims.js'))})
    const { PortPicker } = await import(${JSON.stringify(join(ROOT, 'dist/providers/virtualbox/ports.js'))})
    const picker = new PortPicker(2222, async (p) => claimPort(p, { dir: ${JSON.stringify(dir)} }))
    const ports = []
    for (let i = 0; i < 5; i++) ports.push(await picker.pick(async () => new Set()))
    process.stdout.write(JSON.stringify(ports) + '\\n')
    // A lab up holds its claims while it runs: stay until the test has every process's ports.
    process.stdin.resume()
    process.stdin.on('end', () => process.exit(0))`
  const children: ReturnType<typeof spawn>[] = []
  t.teardown(() => {
    for (const c of children) c.kill()
  })
  const run = () =>
    new Promise<number[]>((resolve, reject) => {
      const c = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['pipe', 'pipe', 'inherit'], env: { ...process.env, NODE_OPTIONS: '' } })
      children.push(c)
      let out = ''
      c.stdout!.on('data', (d: Buffer) => {
        out += d.toString()
        if (out.endsWith('\n')) resolve(JSON.parse(out) as number[])
      })
      c.on('close', (code) => reject(new Error(`exit ${code} before it picked`)))
    })
  const [a, b, c] = await Promise.all([run(), run(), run()])
  for (const child of children) child.stdin!.end()
  const all = [...a!, ...b!, ...c!]
  t.equal(new Set(all).size, 15, `15 ports, none twice: ${all.join(' ')}`)
  t.same(
    all.sort((x, y) => x - y),
    Array.from({ length: 15 }, (_, i) => 2222 + i),
    'the lowest ones',
  )
  // In-process, the picker alone never gave a port twice; across processes only the claims stop it.
  const alone = new PortPicker(2222, async () => true)
  t.equal(await alone.pick(async () => new Set()), 2222)
})
