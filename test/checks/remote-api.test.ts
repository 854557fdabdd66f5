import t from 'tap'
import { check, node } from './node-lab.js'

/** GET /version as dockerd 26.1.4 answers it (cut). */
const VERSION = '{"Platform":{"Name":"Docker Engine - Community"},"Version":"26.1.4","ApiVersion":"1.45","MinAPIVersion":"1.24","Os":"linux","Arch":"amd64"}'
/** What a Go TLS server answers to plain HTTP (dockerd with --tlsverify on 2376). */
const TLS_TO_PLAIN = 'Client sent an HTTP request to an HTTPS server.\n'

/**
 * The client node's curls. Exit codes as curl 7.88 gives them against a server that requires a client
 * certificate (measured against openssl s_server -Verify 1): 56 over TLS 1.3, 35 over TLS 1.2; 7 when
 * nothing listens.
 */
function client(o: { plain2375?: string; plain2376?: string; anonymous?: string; certs?: string }) {
  return node({
    plain2375: { out: o.plain2375 ?? ' exit=7\n' },
    plain2376: { out: o.plain2376 ?? `${TLS_TO_PLAIN} exit=0\n` },
    anonymous: { out: o.anonymous ?? '000 exit=56\n' },
    certs: { out: o.certs ?? `#cert /home/lab/.docker\n${VERSION} exit=0\n` },
  })
}
const ssh = (out: string, code = 0) => node({ ssh: { out, code } })

t.test('remote_api: TLS with client certificates passes; asked from another node', async (t) => {
  const node1 = client({})
  const rows = await check('  - remote_api: { node: master, via: tls }', { node1 })
  t.same(
    rows.map((r) => [r.on, r.passed, r.found]),
    [['master', true, 'TLS on 192.168.56.10:2376 refuses a client without a certificate and answers the one in /home/lab/.docker on node1']],
  )
  t.equal(rows[0]!.expected, 'the API on 192.168.56.10:2376 over TLS, refused without a client certificate; no plain-HTTP API (asked from node1)')
  t.match(node1.commands[0], /curl -s -m 5 'http:\/\/192\.168\.56\.10:2375\/version'/)
  const [tls12] = await check('  - remote_api: { node: master, via: tls }', { node1: client({ anonymous: '000 exit=35\n' }) })
  t.equal(tls12!.passed, true)
})

t.test('remote_api: plain HTTP on 2375 is a security finding, whatever else works', async (t) => {
  const rows = await check('  - remote_api: { node: master }', { node1: client({ plain2375: `${VERSION} exit=0\n` }), master: ssh('26.1.4\n') })
  t.equal(rows[0]!.passed, false)
  t.match(rows[0]!.found, /^SECURITY: the Docker API answers plain HTTP on 192\.168\.56\.10:2375, without TLS: anyone who reaches the port controls the node as root; TLS on /)
  const [plain2376] = await check('  - remote_api: { node: master, via: tls }', { node1: client({ plain2376: `${VERSION} exit=0\n`, anonymous: '000 exit=35\n' }) })
  t.match(plain2376!.found, /^SECURITY: the Docker API answers plain HTTP on 192\.168\.56\.10:2376/)
  const [noVerify] = await check('  - remote_api: { node: master, via: tls }', { node1: client({ anonymous: '200 exit=0\n' }) })
  t.same([noVerify!.passed, noVerify!.found], [false, 'TLS on 192.168.56.10:2376 answers a client without a certificate: anyone who reaches it controls the node'])
})

t.test('remote_api: over SSH, the lab user reaches the socket; or not, and why', async (t) => {
  const [row] = await check('  - remote_api: { node: master, via: ssh }', { node1: client({ anonymous: '000 exit=7\n', certs: '' }), master: ssh('26.1.4\n') })
  t.same([row!.passed, row!.found], [true, 'lab reaches docker 26.1.4 on master, as DOCKER_HOST=ssh:// does'])
  // docker 28's words when the user is not in the docker group (measured with a socket of mode 0660).
  const denied =
    '\npermission denied while trying to connect to the Docker daemon socket at unix:///var/run/docker.sock: Get "http://%2Fvar%2Frun%2Fdocker.sock/v1.50/version": dial unix /var/run/docker.sock: connect: permission denied\n'
  const rows = await check('  - remote_api: { node: master, via: any, user: student }', { node1: client({ anonymous: '000 exit=7\n', certs: '' }), master: ssh(denied, 1) })
  t.same([rows[0]!.passed, rows[0]!.found], [false, "nothing listens on 192.168.56.10:2376; student may not use docker's socket on master, so DOCKER_HOST=ssh://student@master cannot work"])
  const [nouser] = await check('  - remote_api: { node: master, via: ssh }', {
    node1: client({}),
    master: ssh('runuser: user lab does not exist or the user entry does not contain all the required fields\n', 1),
  })
  t.equal(nouser!.found, 'there is no user lab on master')
})

t.test('remote_api: no certificate to try, curl missing, the node unreachable', async (t) => {
  const [nocert] = await check('  - remote_api: { node: master, via: tls }', { node1: client({ certs: '' }) })
  t.equal(nocert!.found, 'TLS on 192.168.56.10:2376 refuses a client without a certificate, but node1 has no client certificate in a ~/.docker to try it with')
  const [refused] = await check('  - remote_api: { node: master, via: tls, from: node2 }', { node2: client({ certs: '#cert /root/.docker\n000 exit=56\n' }) })
  t.equal(refused!.found, 'TLS on 192.168.56.10:2376 refuses the client certificates of node2 too (/root/.docker)')
  const [nocurl] = await check('  - remote_api: { node: master, via: tls }', { node1: client({ plain2375: 'sh: 1: curl: not found\n exit=127\n' }) })
  t.equal(nocurl!.found, 'curl is missing on node1, so the API cannot be tried from there')
  const [down] = await check('  - remote_api: { node: master, via: any }', { node1: client({}) })
  t.match(down, { on: 'master', passed: false, found: /^not checked: master: SSH/ })
})
