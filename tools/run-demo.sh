#!/bin/sh
# make run: start the demo health backends, then dnsd in the foreground on
# conf/example.ini. Ctrl-C stops both.
set -e
BUILD=${BUILD:-build}
"$BUILD/fake_backend" -l 127.0.0.11:8080 -l 127.0.0.12:8080 -l '[::1]:8080' \
	-l 127.0.0.21:8080 -l 127.0.0.22:8080 -l 127.0.0.31:8080 >/dev/null &
BACKENDS=$!
trap 'kill $BACKENDS 2>/dev/null' EXIT INT TERM
cat <<MSG
dnsd demo: conf/example.ini on 127.0.0.1:5353 and [::1]:5353, with demo
health backends on 127.0.0.11, .12, .21, .22, .31 and [::1], port 8080.
In another terminal:
  dig @127.0.0.1 -p 5353 lb.example.com              # eu-west (nearest)
  dig @127.0.0.1 -p 5353 lb.example.com +subnet=198.51.100.7/24   # us-east
  dig @127.0.0.1 -p 5353 weighted.example.com        # 127.0.0.21 3 times in 4
  dig @127.0.0.1 -p 5353 CH TXT lb.example.com       # why this answer
  curl '127.0.0.11:8080/control?status=503'          # fail a member
  curl '127.0.0.12:8080/control?status=503'          # ...and eu-west is down
  curl '127.0.0.11:8080/control?status=200'          # recover
  kill -HUP \$(pgrep -f 'dnsd -c conf/example.ini')   # reload after an edit
  build/dnsdctl status                               # health table
  open http://127.0.0.1:8053/                         # status page
MSG
"$BUILD/dnsd" -c conf/example.ini
