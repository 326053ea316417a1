#!/usr/bin/env bash
# Fault campaign: a 1,000-test suite over 3 real sshd hosts × 2 workers with ≥ 30
# random faults (containers killed, SSH sessions cut, sshd stopped and restarted).
# Prints "lost N, duplicated N, total N"; both must be 0. PARATEST_CAMPAIGN_SEED
# replays a campaign.
set -euo pipefail
cd "$(dirname "$0")/.."
PARATEST_CAMPAIGN=1 go test -count=1 -timeout 20m -run '^TestFaultCampaign$' -v ./e2e/ | grep -E '^(fault campaign|--- |ok|FAIL|\s+campaign_test)'
