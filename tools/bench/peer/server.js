// PostGraphile 4 as the peer of tools/bench/peer.sh: the schemas of our modules on the same
// database, with the connection-filter and simplify-inflector plugins and the smart tags of
// postgraphile.tags.json5 (the links across module schemas, which have no foreign keys).
// Options as one would run it in production: no GraphiQL, no query log, no schema watching.
//   node server.js CONNECTION_URL PORT
const http = require("http");
const path = require("path");
const { postgraphile } = require("postgraphile");
const { makePgSmartTagsFromFilePlugin } = require("postgraphile/plugins");
const ConnectionFilterPlugin = require("postgraphile-plugin-connection-filter");
const PgSimplifyInflectorPlugin = require("@graphile-contrib/pg-simplify-inflector");

const [connection, port] = process.argv.slice(2);
if (!connection || !port) {
  console.error("usage: node server.js CONNECTION_URL PORT");
  process.exit(2);
}

const schemas = ["companies", "contacts", "deals", "selection_lists", "peer"];
const handler = postgraphile(connection, schemas, {
  appendPlugins: [
    ConnectionFilterPlugin,
    PgSimplifyInflectorPlugin,
    makePgSmartTagsFromFilePlugin(path.join(__dirname, "postgraphile.tags.json5")),
  ],
  graphileBuildOptions: {
    // Filters across the links of the smart tags, as our `where` can.
    connectionFilterRelations: true,
  },
  dynamicJson: true,
  setofFunctionsContainNulls: false,
  ignoreRBAC: false,
  disableQueryLog: true,
  graphiql: false,
  watchPg: false,
  retryOnInitFail: false,
  enableQueryBatching: false,
  legacyRelations: "omit",
});

http.createServer(handler).listen(Number(port), "127.0.0.1", () => {
  console.log(`postgraphile on http://127.0.0.1:${port}/graphql`);
});
