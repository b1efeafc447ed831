#!/bin/sh
# httpd as PID 1 ignores SIGTERM; run it as a child so a stop is immediate.
httpd -f -p 8080 -h /www &
pid=$!
trap 'kill $pid; exit 0' TERM INT
wait $pid
