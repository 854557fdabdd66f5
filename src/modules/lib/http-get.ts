/**
 * An HTTP GET made on a node with curl: what a student's browser or docker client on the lab network
 * would see, which the host running `lab` often cannot reach (NAT, host-only networks).
 */
import type { Guest } from '../module.js'
import { LabError } from '../../util/errors.js'

export interface HttpAnswer {
  /** 0 when nothing answered (connection refused, timeout, name not resolved). */
  status: number
  body: string
  /** curl's exit status when nothing answered, for the message. */
  curlExit: number
}

const STATUS_MARK = '\n#vmlab:http:'

export async function httpGet(guest: Guest, node: string, url: string, timeoutSeconds = 10): Promise<HttpAnswer> {
  const r = await guest.exec(['curl', '-s', '-m', String(timeoutSeconds), '-o', '-', '-w', `${STATUS_MARK}%{http_code}`, url], { sudo: true })
  if (r.code === 127) {
    throw new LabError(`${node}: curl is not installed, so lab cannot check ${url} from there`, { hint: `install curl on ${node} (the base image gets it when the lab is baked)` })
  }
  const at = r.stdout.lastIndexOf(STATUS_MARK)
  const status = at < 0 ? 0 : Number.parseInt(r.stdout.slice(at + STATUS_MARK.length), 10) || 0
  return { status, body: at < 0 ? r.stdout : r.stdout.slice(0, at), curlExit: r.code }
}

/** "HTTP 502" or "no answer (curl exit 7)", for messages. */
export function describeAnswer(a: HttpAnswer): string {
  return a.status === 0 ? `no answer (curl exit ${a.curlExit})` : `HTTP ${a.status}`
}
