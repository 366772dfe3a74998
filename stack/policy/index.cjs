// Entry of the policy pack (`pulumi preview --policy-pack stack/policy`). Pulumi's runner
// (cmd/run-policy-pack in @pulumi/pulumi) loads a pack with require(), so this file is CommonJS
// with no top-level await; it loads the TypeScript pack through tsx's scoped require, which
// leaves the ts-node hook the runner registers for its own use alone.
/* global require, __filename */
"use strict";
// eslint-disable-next-line @typescript-eslint/no-require-imports -- CommonJS on purpose (see above)
const { require: tsxRequire } = require("tsx/cjs/api");

tsxRequire("./pack.ts", __filename);
