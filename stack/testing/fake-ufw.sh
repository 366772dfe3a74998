#!/usr/bin/env bash
# A stand-in for ufw in tests (no firewall may be changed on the test machine): it keeps its rules
# in $UFW_STATE and prints `ufw status numbered` in ufw's own format, so scripts that parse it are
# tested against that format.
rules="${UFW_STATE:?}"
touch "$rules"
case "$1 ${2:-}" in
  "status numbered")
    echo "Status: active"; echo
    echo "     To                         Action      From"
    echo "     --                         ------      ----"
    n=0
    while IFS= read -r line; do n=$((n + 1)); printf '[%2d] %s\n' "$n" "$line"; done < "$rules"
    ;;
  "--force delete") sed -i "${3}d" "$rules" ;;
  "--force enable") ;;
  *)
    shift
    line="$*" c=""
    case "$line" in *" comment "*) c=" # ${line##* comment }"; c="${c//\'/}"; line="${line% comment *}" ;; esac
    printf '%-26s ALLOW IN    %s%s\n' "$line" "-" "$c" >> "$rules"
    ;;
esac
