/**
 * Entry point the Pulumi CLI runs (Pulumi.yaml: main stack/index.ts, loaded through tsx).
 * Config is validated before any resource is registered; a ConfigError stops the run with the
 * list of fixes.
 */
import { defineAgency } from "./program.ts";

const agency = defineAgency();

export const urls = agency.urls;
export const serverIp = agency.serverIp;
export const ssh = agency.ssh;
export const basicAuth = agency.basicAuth;
export const dnsRecords = agency.dnsRecords;
export const workerIps = agency.workerIps;
export const containers = agency.containers;
export const release = agency.release;
export const deleteProtection = agency.deleteProtection;
