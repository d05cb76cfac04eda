#!/bin/sh
# Entrypoint of the alertmanager service (docker-compose.yml): renders prometheus/alertmanager.yml.tmpl from
# the environment into a private directory, checks it with amtool, then runs Alertmanager on it.
#
# It refuses to start (exit 78, EX_CONFIG), listing every missing or malformed variable at once, when a way
# to deliver is missing: Alertmanager would otherwise report "ready" and drop every notification.
#
#   alertmanager-entrypoint.sh [alertmanager flags…]     render, check, then exec /bin/alertmanager
#   alertmanager-entrypoint.sh --render-only             render and check only (tests, docs/deploy.md)
#
# Variables (compose.env.example documents each):
#   SLACK_WEBHOOK_URL   Slack incoming webhook (secret: written to a file, never into the configuration)
#   SLACK_CHANNEL       channel of every alert, e.g. #tv-harvester
#   SMTP_SMARTHOST      host:port of the SMTP server (STARTTLS required)
#   SMTP_FROM           sender address of the alert e-mails
#   SMTP_TO             recipients of critical alerts (comma-separated addresses)
#   SMTP_AUTH_USERNAME  SMTP login (empty: a relay without login); with it, SMTP_PASSWORD (secret)
#   DEADMANSSWITCH_URL  URL the always-firing TvHarvesterWatchdog is posted to (in the rendered file, mode 0600)
#   GRAFANA_URL         Grafana's address as people open it, for the board links in messages
# Paths (defaults for the container):
#   ALERTMANAGER_TEMPLATE    the template (default /etc/alertmanager/alertmanager.yml.tmpl)
#   ALERTMANAGER_CONFIG_DIR  where the configuration and the secret files go (default /run/alertmanager, a tmpfs)
set -eu

template="${ALERTMANAGER_TEMPLATE:-/etc/alertmanager/alertmanager.yml.tmpl}"
dir="${ALERTMANAGER_CONFIG_DIR:-/run/alertmanager}"
render_only=false
if [ "${1:-}" = "--render-only" ]; then
  render_only=true
  shift
fi

problems=""
problem() { problems="${problems}
  - $1"; }
value() { eval "printf '%s' \"\${$1:-}\""; }

for name in SLACK_WEBHOOK_URL SLACK_CHANNEL SMTP_SMARTHOST SMTP_FROM SMTP_TO DEADMANSSWITCH_URL GRAFANA_URL; do
  [ -n "$(value "$name")" ] || problem "$name is not set"
done
if [ -n "${SMTP_AUTH_USERNAME:-}" ] && [ -z "${SMTP_PASSWORD:-}" ]; then
  problem "SMTP_PASSWORD is not set but SMTP_AUTH_USERNAME is (set both, or neither for a relay without login)"
fi
case "${SLACK_WEBHOOK_URL:-https://}" in https://*) ;; *) problem "SLACK_WEBHOOK_URL must be an https:// URL" ;; esac
case "${DEADMANSSWITCH_URL:-https://}" in http://* | https://*) ;; *) problem "DEADMANSSWITCH_URL must be an http(s):// URL" ;; esac
case "${GRAFANA_URL:-https://}" in http://* | https://*) ;; *) problem "GRAFANA_URL must be an http(s):// URL" ;; esac
case "${SMTP_SMARTHOST:-h:1}" in *:[0-9]*) ;; *) problem "SMTP_SMARTHOST must be host:port, e.g. smtp.example.com:587" ;; esac
# The values below go between double quotes in YAML: no quote, backslash or line break.
for name in SLACK_CHANNEL SMTP_SMARTHOST SMTP_FROM SMTP_TO SMTP_AUTH_USERNAME GRAFANA_URL DEADMANSSWITCH_URL; do
  case "$(value "$name")" in *'"'* | *'\'* | *'
'*) problem "$name must not hold a double quote, a backslash or a line break" ;; esac
done
if [ ! -r "$template" ]; then problem "template $template is not readable"; fi

if [ -n "$problems" ]; then
  printf 'alertmanager: not starting, alerts could not be delivered:%s\nSet them in .env (see compose.env.example and docs/deploy.md), then: docker compose up -d alertmanager\n' "$problems" >&2
  exit 78
fi

# Board links are GRAFANA_URL + /d/<uid>: without a trailing slash.
GRAFANA_URL="${GRAFANA_URL%/}"
umask 077
mkdir -p "$dir"
printf '%s' "$SLACK_WEBHOOK_URL" >"$dir/slack_webhook_url"
printf '%s' "${SMTP_PASSWORD:-}" >"$dir/smtp_password"

# A value as a sed replacement: escape the delimiter, & and backslash.
escaped() { value "$1" | sed -e 's/[|&\\]/\\&/g'; }
script=""
for name in SLACK_CHANNEL SMTP_SMARTHOST SMTP_FROM SMTP_TO SMTP_AUTH_USERNAME GRAFANA_URL DEADMANSSWITCH_URL ALERTMANAGER_CONFIG_DIR; do
  if [ "$name" = ALERTMANAGER_CONFIG_DIR ]; then replacement=$(printf '%s' "$dir" | sed -e 's/[|&\\]/\\&/g'); else replacement=$(escaped "$name"); fi
  script="${script}s|\${${name}}|${replacement}|g;"
done
if [ -z "${SMTP_AUTH_USERNAME:-}" ]; then script="/# smtp-auth\$/d;${script}"; fi
sed -e "$script" "$template" >"$dir/alertmanager.yml"

if grep -n '\${' "$dir/alertmanager.yml" >&2; then
  echo "alertmanager: the rendered configuration still holds a placeholder (above): the template names a variable this script does not know" >&2
  exit 78
fi
if command -v amtool >/dev/null 2>&1; then
  amtool check-config "$dir/alertmanager.yml" >/dev/null || {
    amtool check-config "$dir/alertmanager.yml" >&2 || true
    exit 78
  }
fi
if [ "$render_only" = true ]; then
  echo "$dir/alertmanager.yml"
  exit 0
fi
exec /bin/alertmanager --config.file="$dir/alertmanager.yml" "$@"
