// The run config's fields, read from the server's JSON schema of TrainConfig / LRFindConfig.
//
// The launch form is built from these, so a field added to the config model shows up without a frontend change.

import { api } from "./api.js";

const SHIPPED_SCHEMA_URL = "/static/config-schema.json";
let cached = null;

/** Resolve to {train: Field[], lr_find: Field[]}; each Field = {name, type, options, nullable, default, help, min, max}. */
export function loadConfigFields() {
  cached ||= fetchSchemas().then(({ train, lrFind, defs }) => ({
    train: fieldsOf(train, defs),
    lr_find: fieldsOf(lrFind, defs),
  }));
  cached.catch(() => {
    cached = null;
  });
  return cached;
}

async function fetchSchemas() {
  // The server's OpenAPI document describes the configs when a route declares them; otherwise use the
  // copy shipped with the page (tests/browser/test_config_schema_file.py keeps it equal to the model).
  const openapi = await api("/openapi.json").catch(() => null); // a server may turn its API docs off
  const defs = openapi?.components?.schemas || {};
  if (defs.TrainConfig && defs.LRFindConfig) return { train: defs.TrainConfig, lrFind: defs.LRFindConfig, defs };
  const shipped = await api(SHIPPED_SCHEMA_URL);
  return { train: shipped.train, lrFind: shipped.lr_find, defs: { ...shipped.train.$defs, ...shipped.lr_find.$defs } };
}

function resolve(schema, defs) {
  if (schema && schema.$ref) return defs[schema.$ref.split("/").pop()] || {};
  return schema || {};
}

/** Turn one JSON schema property into a Field descriptor. */
export function fieldOf(name, property, defs = {}) {
  let base = resolve(property, defs);
  let nullable = false;
  const variants = base.anyOf || base.oneOf;
  if (variants) {
    const nonNull = variants.filter((v) => v.type !== "null");
    nullable = nonNull.length < variants.length;
    base = { ...resolve(nonNull[0], defs), ...Object.fromEntries(Object.entries(base).filter(([k]) => k !== "anyOf" && k !== "oneOf")) };
  }
  let type = base.type || "string";
  let options = null;
  if (base.enum) {
    type = "enum";
    options = base.enum;
  } else if (base.const !== undefined) {
    type = "enum";
    options = [base.const];
  } else if (type === "array") {
    type = "list";
  } else if (type === "boolean") {
    type = "bool";
  } else if (type === "integer") {
    type = "int";
  }
  return {
    name,
    type,
    options,
    nullable,
    default: property.default ?? base.default ?? null,
    help: property.description || base.description || "",
    min: base.minimum ?? base.exclusiveMinimum ?? null,
    max: base.maximum ?? base.exclusiveMaximum ?? null,
    pattern: base.pattern || null,
  };
}

function fieldsOf(schema, defs) {
  return Object.entries(schema.properties || {}).map(([name, property]) => fieldOf(name, property, defs));
}
