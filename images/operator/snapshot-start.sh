#!/bin/sh
# /app/bin/<bin> in an operator image (COPY'd under the operator's bin name): starts the operator from the image's
# V8 start-up snapshot, like the ENTRYPOINT, for pods that name the bin as their `command`. exec: node replaces
# the shell, so it is still PID 1 and gets the signals. The blob sits in ../snapshot next to this bin folder.
exec node --snapshot-blob "${0%/*}/../snapshot/entrypoint.blob" -- "$@"
