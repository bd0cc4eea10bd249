#!/bin/sh
# Drive the Clerk mock with nothing but curl and basic shell tools:
# reset it, sign a user in, move the clock past the session's expire_at, see the session expired,
# inject a 429 and read the request journal.
#
#   npx clerk-fapi-mock --port 0 --quiet -- sh examples/curl.sh    # a fresh mock just for this script
#   CLERK_MOCK_URL=http://127.0.0.1:4010 sh examples/curl.sh        # or one that is already running
set -eu

URL="${CLERK_MOCK_URL:-http://127.0.0.1:4010}"
ADA=user_1n5BS00ns3t21GWIXiPJ0KcSe02   # a user of the shipped default fixture

# The first "key":value pair of that name in a JSON answer (good enough for these flat checks).
field() { grep -o "\"$1\":\"\{0,1\}[^\",}]*" | head -n 1 | sed 's/.*:"\{0,1\}//'; }
check() { if [ "$2" != "$3" ]; then echo "FAILED: $1: expected '$3', got '$2'" >&2; exit 1; fi; echo "ok - $1"; }

# 1. Back to the seed: state, clock, journal, faults.
curl -fsS -X POST "$URL/__mock/reset" > /dev/null

# 2. Sign Ada in on a new client (form bodies work; JSON with -H 'content-type: application/json' too).
created=$(curl -fsS -H 'content-type: application/json' -d "{\"user_id\": \"$ADA\"}" "$URL/__mock/sessions")
session=$(printf '%s' "$created" | field id)
expire_at=$(printf '%s' "$created" | field expire_at)
check "a new session is active" "$(curl -fsS "$URL/v1/client/sessions/$session" | field status)" active

# 3. Move the mock clock one millisecond past expire_at.
curl -fsS -H 'content-type: application/json' -d "{\"set\": $((expire_at + 1))}" "$URL/__mock/clock" > /dev/null
check "past expire_at the session is expired" "$(curl -fsS "$URL/v1/client/sessions/$session" | field status)" expired

# 4. Make the next GET /v1/client a 429 with Retry-After.
curl -fsS -H 'content-type: application/json' \
  -d '{"method": "GET", "path": "/v1/client", "status": 429, "times": 1, "retry_after": 5}' "$URL/__mock/faults" > /dev/null
headers=$(curl -sS -o /dev/null -D - "$URL/v1/client")
check "the fault answers 429" "$(printf '%s' "$headers" | head -n 1 | cut -d ' ' -f 2)" 429
check "with Retry-After" "$(printf '%s' "$headers" | grep -i '^retry-after:' | tr -d '\r' | cut -d ' ' -f 2)" 5
check "once" "$(curl -sS -o /dev/null -w '%{http_code}' "$URL/v1/client")" 200

# 5. The journal: every Frontend API request since the reset, oldest first.
journal=$(curl -fsS "$URL/__mock/requests")
check "the journal holds the 429" "$(printf '%s' "$journal" | grep -o '"status":429' | head -n 1)" '"status":429'
check "four requests since the reset" "$(printf '%s' "$journal" | grep -o '"method":' | wc -l | tr -d ' ')" 4
echo "all good"
