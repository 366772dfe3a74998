// Entry of the policy pack (`pulumi preview --policy-pack stack/policy`). Plain JavaScript, so it
// loads whatever runtime options the Pulumi version honours for packs; it registers tsx itself
// and then loads the TypeScript pack.
import { register } from "tsx/esm/api";

register();
await import("./pack.ts");
