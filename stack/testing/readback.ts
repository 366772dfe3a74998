/**
 * What the docker provider writes to state after a create, for the inputs where that differs
 * from what was sent (read from the provider's source: durations come back as Go's
 * time.Duration prints them, a network's IPAM block comes back with the gateway Docker chose).
 * An input that reads back differently shows as a change, and for these fields a replacement,
 * on every later `pulumi up`. Used by the tests to find such inputs in the program.
 */
import { goDuration } from "../containerSpec.ts";

const CONTAINER = "docker:index/container:Container";
const NETWORK = "docker:index/network:Network";

export interface ReadBackDiff {
  field: string;
  sent: unknown;
  readBack: unknown;
}

/** The fields of a resource of `type` with `inputs` that the provider would read back differently. */
export function readBackDiffs(type: string, inputs: Record<string, unknown>): ReadBackDiff[] {
  const diffs: ReadBackDiff[] = [];
  if (type === CONTAINER) {
    const hc = (inputs.healthcheck ?? {}) as Record<string, unknown>;
    for (const key of ["interval", "timeout", "startPeriod", "startInterval"]) {
      const sent = hc[key];
      if (typeof sent !== "string") continue;
      const readBack = goDuration(sent);
      if (readBack !== sent) diffs.push({ field: `healthcheck.${key}`, sent, readBack });
    }
  }
  if (type === NETWORK) {
    for (const [i, ipam] of ((inputs.ipamConfigs ?? []) as Record<string, unknown>[]).entries()) {
      if (!ipam.gateway) {
        const subnet = String(ipam.subnet ?? "");
        diffs.push({
          field: `ipamConfigs[${i}].gateway`,
          sent: undefined,
          readBack: subnet.replace(/\.0\/\d+$/, ".1"),
        });
      }
    }
  }
  return diffs;
}
