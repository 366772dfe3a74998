/** The agency's CrossGuard pack: `pulumi preview --policy-pack stack/policy`. */
import { PolicyPack } from "@pulumi/policy";
import { policies } from "./rules.ts";

new PolicyPack("agency-security", { policies });
