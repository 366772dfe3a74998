#!/usr/bin/env bash
# A stand-in for the Pulumi CLI in tests (no CLI and no backend here): it answers `config get`
# and `config --json` from $FAKE_PULUMI_DIR/<stack>.env (KEY=value lines) and records every call
# in $FAKE_PULUMI_DIR/calls, one per line.
dir="${FAKE_PULUMI_DIR:?}"
printf '%s\n' "$*" >> "$dir/calls"
stack=""
args=("$@")
for ((i = 0; i < ${#args[@]}; i++)); do [ "${args[i]}" = -s ] && stack="${args[i + 1]}"; done
case "$1 $2" in
  "config get")
    key="${args[${#args[@]} - 1]}"
    line="$(grep -m1 "^$key=" "$dir/$stack.env" 2>/dev/null)" || { echo "error: configuration key '$key' not found" >&2; exit 1; }
    printf '%s\n' "${line#*=}"
    ;;
  "config -s")
    # config -s STACK --json: every key as {"value": ...}, array values as JSON.
    node -e '
      const lines = require("fs").readFileSync(process.argv[1], "utf8").trim().split("\n");
      const out = {};
      for (const l of lines) { const i = l.indexOf("="); const k = l.slice(0, i), v = l.slice(i + 1);
        out[k] = v.startsWith("[") ? { value: v, objectValue: JSON.parse(v), secret: false } : { value: v, secret: k.endsWith("Key") }; }
      console.log(JSON.stringify(out));' "$dir/$stack.env"
    ;;
  *) ;;
esac
