#!/bin/sh
# make run: start dnsd in the foreground on conf/example.ini (Ctrl-C stops).
set -e
BUILD=${BUILD:-build}
cat <<MSG
dnsd demo: serving conf/example.ini on 127.0.0.1:5353 and [::1]:5353.
In another terminal try:
  dig @127.0.0.1 -p 5353 www.example.com
  dig @127.0.0.1 -p 5353 +tcp www.example.com AAAA
  kill -HUP \$(pgrep -f 'dnsd -c conf/example.ini')   # reload
MSG
exec "$BUILD/dnsd" -c conf/example.ini
