/** The agency's CrossGuard pack; index.cjs loads this file through tsx. */
import { PolicyPack } from "@pulumi/policy";
import { policies } from "./rules.ts";

new PolicyPack("agency-security", { policies });
