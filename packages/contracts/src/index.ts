/**
 * @roboagency/contracts: what the API accepts and answers, shared by the orchestrator (which
 * validates with it), the portal (which builds its forms and reads its answers with it) and the
 * tests. Browser-safe; the node-only portal token is `@roboagency/contracts/portal-token`.
 */
export * from "./errors.ts";
export * from "./requests.ts";
export * from "./views.ts";
