#!/usr/bin/env bash
# The system's PostgreSQL for `bin/stowage bench --cluster` (its default: 127.0.0.1:5432,
# database stowage_test, role stowage): installs Debian's server if it is missing, starts it
# listening on 127.0.0.1 only, and creates the role and database. The tests and the demo do not
# need it (they start an embedded PostgreSQL unless one is configured); it can serve them too,
# with -Dstowage.test.pg.url/user/password or STOWAGE_PG_URL/USER/PASSWORD.
# Idempotent: run it as often as you like. Needs root (or sudo) for the install and to become
# the postgres user. Override the names with STOWAGE_PG_USER, STOWAGE_PG_PASSWORD, STOWAGE_PG_DB.
set -euo pipefail

user="${STOWAGE_PG_USER:-stowage}"
password="${STOWAGE_PG_PASSWORD:-stowage}"
db="${STOWAGE_PG_DB:-stowage_test}"

as_root() { if [[ $(id -u) -eq 0 ]]; then "$@"; else sudo "$@"; fi; }
as_postgres() { if [[ $(id -u) -eq 0 ]]; then su postgres -c "$1"; else sudo -u postgres sh -c "$1"; fi; }

if ! command -v pg_ctlcluster >/dev/null 2>&1; then
  echo "postgres.sh: installing PostgreSQL (apt-get install -y postgresql)" >&2
  as_root apt-get update
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y postgresql
fi

read -r version cluster < <(pg_lsclusters --no-header | awk 'NR==1 {print $1, $2}')
if [[ -z "${version:-}" ]]; then
  echo "postgres.sh: no PostgreSQL cluster found (pg_lsclusters is empty)" >&2
  exit 1
fi
conf="/etc/postgresql/$version/$cluster/postgresql.conf"
if ! grep -q "^listen_addresses = '127.0.0.1'" "$conf"; then
  echo "listen_addresses = '127.0.0.1'" | as_root tee -a "$conf" >/dev/null
fi
if ! pg_lsclusters --no-header | awk -v v="$version" -v c="$cluster" '$1==v && $2==c {print $4}' | grep -q online; then
  echo "postgres.sh: starting PostgreSQL $version/$cluster on 127.0.0.1" >&2
  as_root pg_ctlcluster "$version" "$cluster" start
fi

for _ in $(seq 1 30); do
  as_postgres "psql -qtAc 'select 1'" >/dev/null 2>&1 && break
  sleep 1
done

if [[ "$(as_postgres "psql -qtAc \"select 1 from pg_roles where rolname = '$user'\"")" != 1 ]]; then
  as_postgres "psql -qc \"create role $user login password '$password'\""
fi
if [[ "$(as_postgres "psql -qtAc \"select 1 from pg_database where datname = '$db'\"")" != 1 ]]; then
  as_postgres "psql -qc \"create database $db owner $user\""
fi
echo "postgres.sh: PostgreSQL $version/$cluster is up on 127.0.0.1, database '$db' owned by '$user'" >&2
