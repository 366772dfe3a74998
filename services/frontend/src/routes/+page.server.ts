import { randomUUID } from "node:crypto";
import { fail } from "@sveltejs/kit";
import { INTAKE_FIELDS, intakeBody, intakeFromForm, validateIntake } from "$lib/intake.ts";
import { ApiError, type Sector } from "$lib/server/api.ts";
import { server } from "$lib/server/config.ts";
import { formFailure } from "$lib/server/failures.ts";
import type { Actions, PageServerLoad } from "./$types";

// The sector list changes only with a deploy; the API itself lets it be cached for 5 minutes.
let cached: { sectors: Sector[]; until: number } | undefined;

async function sectors(): Promise<Sector[] | null> {
  if (cached && cached.until > Date.now()) return cached.sectors;
  try {
    cached = { sectors: await server().api.sectors(), until: Date.now() + 300_000 };
    return cached.sectors;
  } catch {
    return null;
  }
}

export const load = (async () => {
  const list = await sectors();
  // One key per form shown: a double submit or a retry after a timeout creates one project.
  return { sectors: list ?? [], apiDown: list === null, submission: randomUUID() };
}) satisfies PageServerLoad;

export const actions = {
  default: async ({ request, getClientAddress }) => {
    const form = await request.formData();
    const values = intakeFromForm(form);
    const submission = String(form.get("submission") ?? "");
    const list = await sectors();
    if (!list) return formFailure(new ApiError(503, "unavailable", "down"), values, INTAKE_FIELDS);
    const errors = validateIntake(
      values,
      list.map((s) => s.id),
    );
    if (Object.keys(errors).length) return fail(400, { values, errors, message: undefined });
    let accepted;
    try {
      accepted = await server().api.submitIntake(
        intakeBody(values),
        /^[\w-]{8,100}$/.test(submission) ? submission : randomUUID(),
        getClientAddress(),
      );
    } catch (err) {
      return formFailure(err, values, INTAKE_FIELDS);
    }
    // The intake is in; a sign-in email that cannot go out now is not a reason to show an error.
    let signInSent = true;
    try {
      await server().api.requestSignIn(values.email.trim(), `/portal/projects/${accepted.project_id}`);
    } catch {
      signInSent = false;
    }
    return { accepted: { projectId: accepted.project_id, email: values.email.trim(), signInSent } };
  },
} satisfies Actions;
