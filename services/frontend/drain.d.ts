import type { Server } from "node:http";

export const HEALTH_CHECK_HEADER: string;

export function drainable(
  server: Server,
  options?: { idleGraceMs?: number; forceAfterMs?: number },
): { drain(): Promise<void> };
