#!/usr/bin/env bash
# The original script's interface, on top of Slipway's AWS platform:
#   ./aws-app.sh            infrastructure -> build -> deploy -> check on AWS (CloudFormation, ECR, ECS Fargate, ALB)
#   ./aws-app.sh --destroy  asks for confirmation, then removes the service, the repository and the stack
# The app is the one in $SLIPWAY_MANIFEST (default: the example, examples/hello-flask/slipway.yaml).
# Credentials and region come from the environment as before (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY,
# AWS_REGION), or any profile or SSO login the AWS SDK finds.
set -euo pipefail
root="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")" && pwd)"
manifest="${SLIPWAY_MANIFEST:-$root/examples/hello-flask/slipway.yaml}"
case "${1:-}" in
  "")           exec "$root/slipway" up -e aws -f "$manifest" ;;
  --destroy)    shift; exec "$root/slipway" destroy -e aws -f "$manifest" "$@" ;;
  -h|--help)    sed -n '2,7p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
  *)            echo "error: unknown argument '$1'" >&2; echo "hint: ./aws-app.sh [--destroy] (see ./aws-app.sh --help)" >&2; exit 2 ;;
esac
