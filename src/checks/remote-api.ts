/**
 * The Docker remote API as the course wants it opened: TLS on 2376 that refuses a client without a
 * certificate and answers one with a client certificate, or SSH (`DOCKER_HOST=ssh://user@node`, which runs
 * the user's docker CLI on the node, so the user must reach the daemon's socket). Asked from another node,
 * as a client would. A plain-HTTP API on 2375 (or 2376) gives anyone who reaches the port root on the node:
 * it is reported as a security finding and never passes.
 */
import type { Check } from './check.js'
import type { CheckOptions } from '../lab/module-options.js'
import { shellQuote } from '../guest/remote-command.js'
import { probeSections } from '../modules/lib/probe-script.js'

/** curl's output, then ` exit=N` on the last line. */
const curl = (args: string) => `curl -s -m 5 ${args}; echo " exit=$?"`

function result(out: string): { body: string; exit: number } {
  const m = / exit=(\d+)\s*$/.exec(out)
  return { body: m ? out.slice(0, m.index) : out, exit: m ? Number(m[1]) : -1 }
}

const isApi = (body: string) => body.includes('"ApiVersion"')

/** Tries the client certificates users keep in ~/.docker (where the docker CLI looks for them). */
function certsSection(ip: string): string {
  return [
    'for d in /root/.docker /home/*/.docker; do',
    '  [ -f "$d/cert.pem" ] && [ -f "$d/key.pem" ] || continue',
    `  echo "#cert $d"; ${curl(`-k --cert "$d/cert.pem" --key "$d/key.pem" ${shellQuote(`https://${ip}:2376/version`)}`)}`,
    'done',
    'true',
  ].join('\n')
}

export const remoteApiCheck: Check<CheckOptions<'remote_api'>> = async (ctx) => {
  const { lab, options } = ctx
  const node = lab.nodes.find((n) => n.name === options.node)!
  const from = options.from ?? lab.nodes.find((n) => n.name !== node.name)?.name ?? node.name
  const user = options.user ?? lab.install.user.name
  const ways = {
    tls: `the API on ${node.ip}:2376 over TLS, refused without a client certificate`,
    ssh: `${user} reaches docker on ${node.name} over SSH (DOCKER_HOST=ssh://${user}@${node.name})`,
  }
  const expected = `${options.via === 'any' ? `${ways.tls}, or ${ways.ssh}` : ways[options.via]}; no plain-HTTP API (asked from ${from})`
  // The API is asked from the client node; the node itself only for SSH. Either unreachable: the row says why.
  try {
    return [{ on: node.name, expected, ...(await grade()) }]
  } catch (err) {
    return [{ on: node.name, passed: false, expected, found: `not checked: ${(err as Error).message.split('\n')[0]}` }]
  }

  async function grade(): Promise<{ passed: boolean; found: string }> {
    const client = (await ctx.guest(from)).guest
    const [c, n] = await Promise.all([
      probeSections(client, from, {
        plain2375: curl(shellQuote(`http://${node.ip}:2375/version`)),
        plain2376: curl(shellQuote(`http://${node.ip}:2376/version`)),
        anonymous: curl(`-k -o /dev/null -w '%{http_code}' ${shellQuote(`https://${node.ip}:2376/version`)}`),
        certs: certsSection(node.ip),
      }),
      options.via === 'tls'
        ? undefined
        : probeSections((await ctx.guest(node.name)).guest, node.name, {
            ssh: `runuser -u ${shellQuote(user)} -- docker version --format '{{.Server.Version}}' 2>&1`,
          }),
    ])
    if (result(c.plain2375.out).exit === 127) return { passed: false, found: `curl is missing on ${from}, so the API cannot be tried from there` }
    const findings = (['2375', '2376'] as const)
      .filter((p) => isApi(result(c[`plain${p}`].out).body))
      .map((p) => `SECURITY: the Docker API answers plain HTTP on ${node.ip}:${p}, without TLS: anyone who reaches the port controls the node as root`)
    const tls = tlsState(c.anonymous.out, c.certs.out, from, node.ip)
    const ssh = n === undefined ? undefined : sshState(n.ssh.out, n.ssh.code, user, node.name)
    const ok = (options.via !== 'ssh' && tls.ok) || (ssh?.ok ?? false)
    const said = [...findings, ...(options.via !== 'ssh' ? [tls.found] : []), ...(ssh ? [ssh.found] : [])]
    return { passed: ok && findings.length === 0, found: said.join('; ') }
  }
}

function tlsState(anonymousOut: string, certsOut: string, from: string, ip: string): { ok: boolean; found: string } {
  const anon = result(anonymousOut)
  if (anon.exit === 0 && anon.body.trim() === '200') return { ok: false, found: `TLS on ${ip}:2376 answers a client without a certificate: anyone who reaches it controls the node` }
  if (anon.exit === 7) return { ok: false, found: `nothing listens on ${ip}:2376` }
  if (anon.exit === 28) return { ok: false, found: `${ip}:2376 does not answer from ${from} (timed out)` }
  if (anon.exit !== 35 && anon.exit !== 56)
    return { ok: false, found: `${ip}:2376 does not speak TLS as the Docker API does (curl exit ${anon.exit}${anon.exit === 0 ? `, HTTP ${anon.body.trim()}` : ''})` }
  const tries = certsOut.split(/^#cert /m).slice(1)
  const passed = tries.find((t) => isApi(result(t).body))
  if (passed) return { ok: true, found: `TLS on ${ip}:2376 refuses a client without a certificate and answers the one in ${passed.split('\n')[0]} on ${from}` }
  if (tries.length === 0) return { ok: false, found: `TLS on ${ip}:2376 refuses a client without a certificate, but ${from} has no client certificate in a ~/.docker to try it with` }
  return { ok: false, found: `TLS on ${ip}:2376 refuses the client certificates of ${from} too (${tries.map((t) => t.split('\n')[0]).join(', ')})` }
}

function sshState(out: string, code: number, user: string, node: string): { ok: boolean; found: string } {
  const said = out.trim().split('\n').pop() ?? ''
  if (code === 0 && said !== '') return { ok: true, found: `${user} reaches docker ${said} on ${node}, as DOCKER_HOST=ssh:// does` }
  if (/permission denied/i.test(out)) return { ok: false, found: `${user} may not use docker's socket on ${node}, so DOCKER_HOST=ssh://${user}@${node} cannot work` }
  if (/does not exist|no such user|unknown user/i.test(out)) return { ok: false, found: `there is no user ${user} on ${node}` }
  return { ok: false, found: `${user} cannot reach docker on ${node} (${said || `exit ${code}`})` }
}
