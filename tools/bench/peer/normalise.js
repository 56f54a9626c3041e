// Reduces a GraphQL answer of one workload to one canonical shape (ids as strings, names and
// titles, the order of the rows), so that our host's answer and PostGraphile's can be compared
// byte for byte. Exits 1 (printing the answer) when it has errors or no data.
// For the SQL the answer is its rows as a JSON array of objects (psql: json_agg(to_json(q))),
// whose values are in the order of the statement's columns.
//   node normalise.js WORKLOAD ours|peer|sql < answer.json > canonical.json
const [workload, server] = process.argv.slice(2);
const input = JSON.parse(require("fs").readFileSync(0, "utf8"));
const answer = server === "sql" ? { data: { rows: input.map((row) => Object.values(row)) } } : input;
if (answer.errors || !answer.data) {
  console.error(`${workload} (${server}): ${JSON.stringify(answer).slice(0, 2000)}`);
  process.exit(1);
}
const d = answer.data;
const peer = server === "peer";
const id = (v) => (v === null || v === undefined ? null : String(v));
const text = (v) => (v === undefined ? null : v);
const money = (v) => (v === null || v === undefined ? null : Number(v).toFixed(2));
const nodes = (connection) => (connection ? connection.nodes : []);
// Our e-mails are [{ value }]; PostGraphile gives the jsonb column as it is stored.
const emails = (list) => (list || []).map((e) => e.value ?? e.Value ?? null);

const sqlShapes = {
  contacts: (rows) => rows.map(([cid, name, titles]) => [id(cid), name, titles || []]),
  deals: (rows) => rows.map(([did, title, stage, company, contact]) => [id(did), title, stage, company, contact]),
  deal: (rows) => (rows.length ? ((r) => [id(r[0]), r[1], money(r[2]), r[3], r[4], r[5], r[6]])(rows[0]) : null),
  search: (rows) => rows.map(([cid, name, lastName]) => [id(cid), name, lastName]),
  reference: (rows) => ({
    total: rows.length ? Number(rows[0][8]) : 0,
    rows: rows.map(([did, title, opportunity, stage, name, lastName, mails, company]) => [
      id(did), title, money(opportunity), stage, name, lastName, name === null && lastName === null && !(mails && mails.length) ? null : mails || [], company,
    ]),
  }),
};

const shapes = {
  contacts: () =>
    nodes(d.contacts).map((c) => [
      id(c.id),
      text(c.name),
      peer ? nodes(c.contactCompanies).map((l) => (l.company ? l.company.title : null)) : c.companies.map((co) => co.title),
    ]),
  deals: () =>
    nodes(d.deals).map((x) => [
      id(x.id),
      text(x.title),
      (peer ? x.stage : x.stageItem)?.name ?? null,
      x.company?.title ?? null,
      x.contact?.name ?? null,
    ]),
  deal: () => {
    const x = d.deal;
    return x && [
      id(x.id),
      text(x.title),
      money(x.opportunity),
      (peer ? x.stage : x.stageItem)?.name ?? null,
      x.company?.title ?? null,
      x.contact?.name ?? null,
      x.contact?.lastName ?? null,
    ];
  },
  search: () => nodes(d.contacts).map((c) => [id(c.id), text(c.name), text(c.lastName)]),
  reference: () => ({
    total: d.deals.totalCount,
    rows: nodes(d.deals).map((x) => [
      id(x.id),
      text(x.title),
      money(x.opportunity),
      (peer ? x.stage : x.stageItem)?.name ?? null,
      x.contact?.name ?? null,
      x.contact?.lastName ?? null,
      x.contact ? emails(x.contact.emails) : null,
      x.company?.title ?? null,
    ]),
  }),
};
if (!shapes[workload]) {
  console.error(`unknown workload ${workload}`);
  process.exit(2);
}
const canonical = server === "sql" ? sqlShapes[workload](d.rows) : shapes[workload]();
process.stdout.write(JSON.stringify(canonical, null, 1) + "\n");
