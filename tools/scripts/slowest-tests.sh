#!/usr/bin/env bash
# Where the test suite's time goes: sums the durations in the newest TRX file of each test project
# (written by every `dotnet test`, see tests/tests.runsettings) per test class, slowest first.
# Usage: tools/scripts/slowest-tests.sh [how many classes, default 25]
set -euo pipefail
cd "$(dirname "$0")/../.."
top=${1:-25}
summary=$(mktemp)
trap 'rm -f "$summary"' EXIT
files=()
for project in tests/*/; do
  newest=$(ls -t "$project"TestResults/*.trx 2>/dev/null | head -n 1 || true)
  [ -n "$newest" ] && files+=("$newest")
done
[ ${#files[@]} -gt 0 ] || { echo "no TRX file under tests/*/TestResults: run the tests first"; exit 1; }
# A result is one UnitTestResult element: testName="Namespace.Class.Method(...)" ... duration="hh:mm:ss.fffffff".
cat "${files[@]}" | tr '\n' ' ' | grep -o '<UnitTestResult [^>]*>' | awk '
  {
    name = $0; sub(/.*testName="/, "", name); sub(/".*/, "", name); sub(/\(.*/, "", name)
    class = name; sub(/\.[^.]*$/, "", class)
    d = $0; if (d !~ /duration="/) next
    sub(/.*duration="/, "", d); sub(/".*/, "", d)
    split(d, t, ":"); seconds = t[1] * 3600 + t[2] * 60 + t[3]
    if (!(class in total)) classes++; total[class] += seconds; count[class]++; all += seconds
  }
  END {
    for (c in total) printf "%9.1f s %5d tests  %s\n", total[c], count[c], c
    printf "%9.1f s %5d classes  in all\n", all, classes > "/dev/stderr"
  }' 2>"$summary" | sort -rn | head -n "$top"
cat "$summary"
echo "(the tests' own time, summed per class: a class's fixture, e.g. its host's start, is not in it; classes run in parallel)"
