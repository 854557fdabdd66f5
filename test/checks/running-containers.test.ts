/**
 * inspectRunning's section run by a real sh and curl against an HTTP server on a unix socket that answers as
 * the Engine does: the list filtered as asked, then each container's inspect, as one JSON array.
 */
import t, { type Test } from 'tap'
import { createServer } from 'node:http'
import { execFile } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { inspectRunning } from '../../src/checks/lib/running-containers.js'

const run = promisify(execFile)
const ID = (c: string) => c.repeat(64)

async function engine(t: Test, answer: (url: string) => { status: number; body: unknown }): Promise<{ socket: string; asked: string[] }> {
  const dir = mkdtempSync(join(tmpdir(), 'vmlab-engine-'))
  const socket = join(dir, 'docker.sock')
  const asked: string[] = []
  const server = createServer((req, res) => {
    asked.push(decodeURIComponent(req.url ?? ''))
    const a = answer(req.url ?? '')
    res.writeHead(a.status, { 'Content-Type': 'application/json' })
    res.end(JSON.stringify(a.body))
  })
  await new Promise<void>((resolve) => server.listen(socket, resolve))
  t.teardown(() => {
    server.close()
    rmSync(dir, { recursive: true, force: true })
  })
  return { socket, asked }
}

async function sh(script: string): Promise<{ code: number; out: string }> {
  try {
    const r = await run('sh', ['-c', script])
    return { code: 0, out: r.stdout }
  } catch (err) {
    const e = err as { code: number; stdout: string }
    return { code: e.code, out: e.stdout }
  }
}

t.test('the inspects of the listed containers, as one array; the filter sent as the Engine takes it', async (t) => {
  const e = await engine(t, (url) => {
    if (url.startsWith('/containers/json'))
      return {
        status: 200,
        body: [
          { Id: ID('a'), Names: ['/web.1'] },
          { Id: ID('b'), Names: ['/web.2'] },
        ],
      }
    const id = /\/containers\/([0-9a-f]+)\/json/.exec(url)![1]!
    return { status: 200, body: { Id: id, Name: `/${id[0]}`, HostConfig: { RestartPolicy: { Name: 'always' } } } }
  })
  const r = await sh(inspectRunning({ label: ['com.docker.swarm.service.name=web'] }, e.socket))
  t.equal(r.code, 0)
  t.same(
    (JSON.parse(r.out) as Array<{ Id: string }>).map((c) => c.Id),
    [ID('a'), ID('b')],
  )
  t.same(e.asked, ['/containers/json?filters={"label":["com.docker.swarm.service.name=web"]}', `/containers/${ID('a')}/json`, `/containers/${ID('b')}/json`])
})

t.test('none running: []; docker not answering: the error and a failing status', async (t) => {
  const none = await engine(t, () => ({ status: 200, body: [] }))
  t.same(await sh(inspectRunning({}, none.socket)), { code: 0, out: '[]\n' })
  const failing = await engine(t, () => ({ status: 500, body: { message: 'boom' } }))
  const r = await sh(inspectRunning({}, failing.socket))
  t.not(r.code, 0)
  t.match(r.out, /error: 500|returned error/)
  const gone = await sh(inspectRunning({}, '/nonexistent/docker.sock'))
  t.not(gone.code, 0)
  t.match(gone.out, /curl: \(7\)/)
})
