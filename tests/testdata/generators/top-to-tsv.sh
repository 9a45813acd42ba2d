#!/bin/sh
# Converts `go tool pprof -top` output (stdin) to TSV (stdout): function<TAB>flat<TAB>cum,
# exact integers in the sample type's own unit, one line per node, in pprof's order.
#
# pprof prints each node as
#   "%10s %s %s %10s %s  %s%s" flat flat% sum% cum cum% name [" (inline)"|" (partial-inline)"]
# (report.go, printText). With -unit=ns / -unit=B (or no unit for counts) the values are
# integers followed by the unit, or "0". The script fails if a value is not an integer, so a
# scaled or rounded value can never reach the tests.
set -eu
awk '
  BEGIN { OFS = "\t"; rows = 0 }
  /^ *flat +flat% +sum% +cum +cum%/ { body = 1; next }
  !body { next }
  {
    if (!match($0, /^ *[^ ]+ +[^ ]+ +[^ ]+ +[^ ]+ +[^ ]+  /)) { print "unparsable line: " $0 > "/dev/stderr"; exit 2 }
    split(substr($0, 1, RLENGTH), f, " ")
    name = substr($0, RLENGTH + 1)
    sub(/ \((inline|partial-inline)\)$/, "", name)
    flat = f[1]; cum = f[4]
    sub(/(ns|B)$/, "", flat); sub(/(ns|B)$/, "", cum)
    if (flat !~ /^-?[0-9]+$/ || cum !~ /^-?[0-9]+$/) { print "not an exact integer: " $0 > "/dev/stderr"; exit 2 }
    print name, flat, cum
    rows++
  }
  END { if (rows == 0) { print "no rows found" > "/dev/stderr"; exit 2 } }
'
