/**
 * Who decides whether a warm-up email goes out when an unsubscribe and a send meet: the claim and
 * the unsubscribe, each under Postgres row locks, on the real Postgres from the global setup.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CAMPAIGN_STEPS } from "@roboagency/agents";
import { createTestDatabase, type TestDatabase } from "@roboagency/testing/database";
import { migrate, openDatabase, type Database } from "./database.ts";
import { claimCampaignStep, claimDueEmails, insertCampaign, unsubscribeAddress } from "./campaigns.ts";
import { insertLead, insertProject, type IntakeRecord } from "./leads-projects.ts";
import { insertRun } from "./runs.ts";

let testDb: TestDatabase;
let db: Database;

beforeAll(async () => {
  testDb = await createTestDatabase();
  db = await openDatabase({ url: testDb.url });
  await migrate(db.pool);
});

afterAll(async () => {
  await db?.close();
  await testDb?.drop();
});

let seq = 0;
/** A lead, project and run with a scheduled three-email campaign, all due now. */
async function aCampaign(email: string, dispatch: "scheduler" | "automation" = "scheduler") {
  const intake: IntakeRecord = { email, sector: "saas", idea: `Idea number ${++seq} for a clinic` };
  const leadId = await insertLead(db.pool, intake);
  const projectId = await insertProject(db.pool, leadId, intake);
  const runId = await insertRun(db.pool, projectId, "proto_v1");
  const { campaignId } = await insertCampaign(db.pool, {
    projectId,
    runId,
    toEmail: email,
    dispatch,
    emails: CAMPAIGN_STEPS.map((step, position) => ({
      step,
      position,
      subject: `Subject ${step}`,
      preheader: "",
      html: "<p>hi</p>",
      text: "hi",
      sendAfter: new Date(Date.now() - 1000),
    })),
  });
  return { campaignId, projectId };
}

const statuses = async (campaignId: string) =>
  (
    await db.pool.query<{ status: string }>(
      "SELECT status FROM campaign_emails WHERE campaign_id = $1 ORDER BY position",
      [campaignId],
    )
  ).rows.map((r) => r.status);

const campaignStatus = async (campaignId: string) =>
  (await db.pool.query<{ status: string }>("SELECT status FROM campaigns WHERE id = $1", [campaignId]))
    .rows[0]!.status;

describe("warm-up emails and unsubscribes", () => {
  it("when an address unsubscribes, then its scheduled emails are suppressed at once and no claim returns them", async () => {
    const { campaignId } = await aCampaign("Late.Leaver@example.com");
    expect(await unsubscribeAddress(db.pool, "late.leaver@example.com")).toEqual({ suppressed: 3 });
    expect(await statuses(campaignId)).toEqual(["suppressed", "suppressed", "suppressed"]);
    expect(await campaignStatus(campaignId)).toBe("completed");
    const claimed = await claimDueEmails(db.pool, 100);
    expect(claimed.filter((e) => e.campaign_id === campaignId)).toEqual([]);
  });

  it("when the address unsubscribed before the campaign was created, then its emails are created suppressed", async () => {
    const first = await aCampaign("early@example.com");
    await unsubscribeAddress(db.pool, "early@example.com");
    const again = await aCampaign("EARLY@example.com");
    expect(await statuses(again.campaignId)).toEqual(["suppressed", "suppressed", "suppressed"]);
    expect(await statuses(first.campaignId)).toEqual(["suppressed", "suppressed", "suppressed"]);
  });

  it("when the automation flow asks for a step of an unsubscribed address, then the step is suppressed, not claimed", async () => {
    const { campaignId } = await aCampaign("flow@example.com", "automation");
    // The unsubscribe lands between the campaign's creation and n8n's request, with the rows
    // made claimable again by a failed earlier attempt.
    await db.pool.query("UPDATE leads SET unsubscribed_at = now() WHERE email = 'flow@example.com'");
    const first = await claimCampaignStep(db.pool, campaignId, "demo");
    expect(first).toMatchObject({ email: null, status: "suppressed", suppressedNow: true });
    const second = await claimCampaignStep(db.pool, campaignId, "demo");
    expect(second).toEqual({ email: null, status: "suppressed" });
  });

  it("when claims and unsubscribes race, then every email ends up either claimed for sending or suppressed, never both and never left over", async () => {
    for (let round = 0; round < 25; round++) {
      const address = `race-${round}@example.com`;
      const { campaignId } = await aCampaign(address);
      const [claimed] = await Promise.all([
        claimDueEmails(db.pool, 100),
        unsubscribeAddress(db.pool, address),
      ]);
      const mine = new Set(claimed.filter((e) => e.campaign_id === campaignId).map((e) => e.id));
      const rows = (
        await db.pool.query<{ id: string; status: string }>(
          "SELECT id, status FROM campaign_emails WHERE campaign_id = $1",
          [campaignId],
        )
      ).rows;
      for (const row of rows) {
        expect(row.status, `round ${round}`).toBe(mine.has(row.id) ? "sending" : "suppressed");
      }
      // Nothing is claimable for the address any more.
      const later = await claimDueEmails(db.pool, 100);
      expect(later.filter((e) => e.campaign_id === campaignId)).toEqual([]);
    }
  });
});
