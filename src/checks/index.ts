/** Check name → implementation. */
import type { CheckName, CheckOptions } from '../lab/module-options.js'
import type { Check } from './check.js'
import { swarmCheck } from './swarm.js'
import { serviceCheck } from './service.js'
import { httpCheck } from './http.js'
import { chronyCheck } from './chrony.js'
import { registryCheck } from './registry.js'
import { harborCheck } from './harbor.js'
import { overlayCheck } from './overlay.js'
import { execCheck } from './exec.js'
import { dockerCheck } from './docker.js'
import { swarmNodeCheck } from './swarm-node.js'
import { stackCheck } from './stack.js'
import { composeCheck } from './compose.js'
import { portainerCheck } from './portainer.js'
import { hostnameCheck } from './hostname.js'
import { hostsCheck } from './hosts.js'
import { addressCheck } from './address.js'
import { firewallCheck } from './firewall.js'
import { remoteApiCheck } from './remote-api.js'

export const CHECK_IMPLEMENTATIONS: { [N in CheckName]: Check<CheckOptions<N>> } = {
  swarm: swarmCheck,
  service: serviceCheck,
  http: httpCheck,
  chrony: chronyCheck,
  registry: registryCheck,
  harbor: harborCheck,
  overlay: overlayCheck,
  exec: execCheck,
  docker: dockerCheck,
  swarm_node: swarmNodeCheck,
  stack: stackCheck,
  compose: composeCheck,
  portainer: portainerCheck,
  hostname: hostnameCheck,
  hosts: hostsCheck,
  address: addressCheck,
  firewall: firewallCheck,
  remote_api: remoteApiCheck,
}
