/**
 * The shapes the orchestrator API answers with, as the portal reads them (shared with components):
 * the contracts' types, derived from the schemas the API is documented by.
 */
export type {
  Artifact,
  CampaignEmailState,
  ClientProject,
  Health,
  IntakeAccepted,
  Project,
  ProjectSummary,
  QualityReport,
  Run,
  RunState,
  Sector,
  StepState,
} from "@roboagency/contracts";
