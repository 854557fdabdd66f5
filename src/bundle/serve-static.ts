/**
 * The bundle folder over HTTP, read-only, for the classroom (`lab cache up` runs it as its own process,
 * serve-static-main.js). GET and HEAD of files under DIR only; no listing, no way out of DIR.
 */
import { createReadStream } from 'node:fs'
import { stat } from 'node:fs/promises'
import http from 'node:http'
import { join, normalize, resolve, sep } from 'node:path'

export function serveFolder(dir: string, port: number, address: string): http.Server {
  const root = resolve(dir)
  const server = http.createServer(async (req, res) => {
    let path: string
    try {
      path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname)
    } catch {
      res.writeHead(400).end()
      return
    }
    const file = normalize(join(root, path))
    if ((file !== root && !file.startsWith(root + sep)) || (req.method !== 'GET' && req.method !== 'HEAD')) {
      res.writeHead(req.method === 'GET' || req.method === 'HEAD' ? 403 : 405).end()
      return
    }
    const st = await stat(file).catch(() => undefined)
    if (!st?.isFile()) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not in the bundle\n')
      return
    }
    res.writeHead(200, { 'content-length': st.size, 'content-type': 'application/octet-stream' })
    if (req.method === 'HEAD') res.end()
    else createReadStream(file).pipe(res)
  })
  server.listen(port, address)
  return server
}
