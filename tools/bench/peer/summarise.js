// Summarises the rounds of tools/bench/peer.sh into one markdown table like the issue's.
//   node summarise.js ROUNDS.tsv EXTRAS.tsv TITLE > table.md
// ROUNDS.tsv: workload server round rps p50_ms p95_ms cpu_ms_per_request db_cpu_ms_per_request rss_mb requests errors
// EXTRAS.tsv: label ours peer sql ours/peer ours/sql (already formatted; "-" when it does not apply)
const fs = require("fs");
const [roundsPath, extrasPath, title] = process.argv.slice(2);
const lines = (path) =>
  fs.existsSync(path) ? fs.readFileSync(path, "utf8").split("\n").filter((l) => l.trim() !== "").map((l) => l.split("\t")) : [];

const median = (values) => {
  const v = values.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (v.length === 0) return NaN;
  const m = Math.floor(v.length / 2);
  return v.length % 2 ? v[m] : (v[m - 1] + v[m]) / 2;
};
const fmt = (x, digits = 1) => (Number.isFinite(x) ? x.toFixed(digits) : "-");

const byKey = new Map();
const order = [];
for (const [workload, server, round, rps, p50, p95, cpu, dbCpu, rss, requests, errors] of lines(roundsPath)) {
  if (!byKey.has(workload)) {
    byKey.set(workload, new Map());
    order.push(workload);
  }
  const servers = byKey.get(workload);
  if (!servers.has(server)) servers.set(server, []);
  servers.get(server).push({ round: +round, rps: +rps, p50: +p50, p95: +p95, cpu: +cpu, dbCpu: +dbCpu, rss: +rss, requests: +requests, errors: +errors });
}

const summary = (rounds) =>
  rounds && {
    rps: median(rounds.map((r) => r.rps)),
    p50: median(rounds.map((r) => r.p50)),
    p95: median(rounds.map((r) => r.p95)),
    cpu: median(rounds.map((r) => r.cpu)),
    dbCpu: median(rounds.map((r) => r.dbCpu)),
    rss: Math.max(...rounds.map((r) => r.rss)),
    errors: rounds.reduce((s, r) => s + r.errors, 0),
    rounds: rounds.length,
  };
const cell = (s) => (s ? `${fmt(s.rps)} req/s` : "-");
// For the SQL, PostgreSQL is the server: only its CPU is shown.
const detail = (s, sql) =>
  s
    ? `${fmt(s.p50, 2)} / ${fmt(s.p95, 2)} ms; ${sql ? "" : `CPU ${fmt(s.cpu, 2)} + `}db ${fmt(s.dbCpu, 2)} ms/req` +
      `${s.rss > 0 ? `; RSS ${fmt(s.rss, 0)} MB` : ""}${s.errors ? `; **${s.errors} errors**` : ""}`
    : "-";
// Ours against the other: the ratio of the medians, and the range of the per-round ratios
// (rounds are interleaved, so round i of each ran under the same load).
const ratio = (ours, other) => {
  if (!ours || !other) return "-";
  const perRound = ours
    .map((o) => other.find((x) => x.round === o.round))
    .map((x, i) => (x ? ours[i].rps / x.rps : NaN))
    .filter(Number.isFinite);
  const r = median(ours.map((x) => x.rps)) / median(other.map((x) => x.rps));
  return perRound.length > 1 ? `${fmt(r, 2)}× (${fmt(Math.min(...perRound), 2)}–${fmt(Math.max(...perRound), 2)})` : `${fmt(r, 2)}×`;
};

const out = [];
out.push(`### ${title}`, "");
out.push("| workload | ours | PostGraphile | SQL | ours / PostGraphile | ours / SQL |");
out.push("| --- | ---: | ---: | ---: | ---: | ---: |");
for (const workload of order) {
  const s = byKey.get(workload);
  out.push(`| ${workload} | ${cell(summary(s.get("ours")))} | ${cell(summary(s.get("peer")))} | ${cell(summary(s.get("sql")))} | ${ratio(s.get("ours"), s.get("peer"))} | ${ratio(s.get("ours"), s.get("sql"))} |`);
}
for (const [label, ours, peer, sql, rPeer, rSql] of lines(extrasPath)) {
  out.push(`| ${label} | ${ours} | ${peer} | ${sql} | ${rPeer || "-"} | ${rSql || "-"} |`);
}
out.push("", "Latency median / p95, CPU time per request of the server process (+ all of PostgreSQL's), peak RSS of the server process, medians of the rounds:", "");
out.push("| workload | ours | PostGraphile | SQL |");
out.push("| --- | --- | --- | --- |");
for (const workload of order) {
  const s = byKey.get(workload);
  out.push(`| ${workload} | ${detail(summary(s.get("ours")))} | ${detail(summary(s.get("peer")))} | ${detail(summary(s.get("sql")), true)} |`);
}
process.stdout.write(out.join("\n") + "\n");
