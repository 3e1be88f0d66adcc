#!/bin/sh
# Dovecot post-login hook (service pop3/imap → postlogin): record client IP, login and time for
# POP-before-SMTP, then continue the session. Format agreed with smtpd: one file per client IP under
# StatePaths.pop_logins, named by the IP, lines "login<TAB>unix-time", newest last, written atomically
# (a temporary file renamed over the old one). Dovecot sets IP and USER; TAYORI_POP_LOGINS comes from
# the wrapper generated/postlogin (script-login starts hooks with an empty environment). A failure here
# must never block a login: errors are ignored.
# POP before SMTP 用にログイン記録（IP・ログイン名・時刻）を書き、セッションを続けます。
dir="${TAYORI_POP_LOGINS:-}"
case "$IP" in
  ''|*/*|.*) ;;  # no address, or one that could escape the directory: record nothing
  *)
    if [ -n "$dir" ] && [ -d "$dir" ] && [ -n "$USER" ]; then
      f="$dir/$IP"
      tmp="$dir/.$IP.$$"
      now=$(date +%s)
      # keep the 20 newest lines: enough for every login within any window, bounded in size
      { [ -f "$f" ] && tail -n 19 "$f"; printf '%s\t%s\n' "$USER" "$now"; } > "$tmp" 2>/dev/null \
        && mv -f "$tmp" "$f" 2>/dev/null || rm -f "$tmp" 2>/dev/null
    fi
    ;;
esac
exec "$@"
