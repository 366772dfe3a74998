/** Errors the HTTP layer turns into 4xx answers (the contracts' one error format); anything else is a 500. */
import { HttpError } from "@roboagency/contracts";

export { HttpError, type FieldError } from "@roboagency/contracts";

export const notFound = (what: string) => new HttpError(404, "not_found", `${what} was not found.`);
