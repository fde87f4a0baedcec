#!/usr/bin/env bash
# The read-only AWS CLI calls a person would try on a scenario, against
# `trailhound sandbox`, with an AWS CLI nobody here wrote (Debian's awscli in
# CI; AWS_CLI names another). Each call must exit 0 and name the id the
# scenario holds; the summary lists the operations and protocols checked.
set -euo pipefail
cd "$(dirname "$0")/../../.."

aws_cli=${AWS_CLI:-}
if [ -z "$aws_cli" ]; then
  if [ -x /usr/bin/aws ]; then aws_cli=/usr/bin/aws; else aws_cli=aws; fi
fi
base_port=${SANDBOX_PORT:-4617}
work=$(mktemp -d)
sandbox_pid=""
stop_sandbox() {
  if [ -n "$sandbox_pid" ]; then
    kill "$sandbox_pid" 2>/dev/null || true
    wait "$sandbox_pid" 2>/dev/null || true
    sandbox_pid=""
  fi
}
trap 'stop_sandbox; rm -rf "$work"' EXIT

go build -o "$work/trailhound" ./cmd/trailhound

# Dummy credentials and no user configuration: what a new user's first try has.
export AWS_ACCESS_KEY_ID=AKIASANDBOXCHECK AWS_SECRET_ACCESS_KEY=sandbox-secret
export AWS_CONFIG_FILE="$work/none" AWS_SHARED_CREDENTIALS_FILE="$work/none" AWS_PAGER=""

checked="$work/checked"

# protocols prints "service protocol" for the given CLI services, as the
# CLI's own botocore model says it speaks them.
protocols() {
  local python
  python=$(head -1 "$(command -v "$aws_cli")" | sed -n 's/^#! *//p')
  "${python:-python3}" - "$@" <<'PY' 2>/dev/null || printf '%s ?\n' "$@"
import sys
try:
    from awscli.botocore.session import get_session  # the AWS CLI v2 vendors botocore
except ImportError:
    from botocore.session import get_session
session = get_session()
for cli in sys.argv[1:]:
    model = session.get_service_model({"configservice": "config"}.get(cli, cli))
    print(cli, model.protocol)
PY
}

# serve SCENARIO starts the sandbox on it, in the scenario's region.
serve() {
  stop_sandbox
  local dir="testdata/scenarios/$1"
  "$work/trailhound" sandbox --scenario "$dir" --listen "127.0.0.1:${port}" >"$work/sandbox-$port.log" 2>&1 &
  sandbox_pid=$!
  for _ in $(seq 1 100); do
    (echo >"/dev/tcp/127.0.0.1/${port}") 2>/dev/null && break
    sleep 0.05
  done
  export AWS_DEFAULT_REGION
  AWS_DEFAULT_REGION=$(jq -r .region "$dir/scenario.json")
  export AWS_ENDPOINT_URL="$url" # read by current CLIs; older ones get --endpoint-url too
  echo "== $1 ($AWS_DEFAULT_REGION)"
}

# check WANT SERVICE OPERATION ARGS...: the call exits 0 and its output holds WANT.
check() {
  local want=$1 service=$2 op=$3
  shift 3
  local out
  if ! out=$("$aws_cli" --endpoint-url "$url" --output json "$service" "$op" "$@" 2>&1); then
    echo "FAIL: aws $service $op $*"; echo "$out"; cat "$work/sandbox-$port.log"; exit 1
  fi
  if ! grep -qF -- "$want" <<<"$out"; then
    echo "FAIL: aws $service $op $*: output lacks $want"; echo "$out"; exit 1
  fi
  echo "ok   aws $service $op"
  echo "$service $op" >>"$checked"
}

# check_error CODE SERVICE OPERATION ARGS...: the call fails with AWS's error code.
check_error() {
  local code=$1 service=$2 op=$3
  shift 3
  local out
  if out=$("$aws_cli" --endpoint-url "$url" "$service" "$op" "$@" 2>&1) || ! grep -qF "($code)" <<<"$out"; then
    echo "FAIL: aws $service $op $*: want the error $code"; echo "$out"; exit 1
  fi
  echo "ok   aws $service $op ($code)"
}

# The AWS CLI starts in about 1.5 s, so two groups of scenarios run side by
# side, each on its own sandbox, to keep the step near half a minute.
group_a() {
  serve 079-ecs-execution-role-secret-arn-without-suffix
  trail=management-events-123456789012
  check 67706ee7-2765-4698-a903-239a7e7feb42 cloudtrail lookup-events \
    --lookup-attributes AttributeKey=EventId,AttributeValue=67706ee7-2765-4698-a903-239a7e7feb42
  check "$trail" cloudtrail describe-trails
  check "$trail" cloudtrail list-trails
  check '"IsLogging": true' cloudtrail get-trail-status --name "$trail"
  check '"IncludeManagementEvents": true' cloudtrail get-event-selectors --trail-name "$trail"
  check notify-api-cpu-high cloudwatch describe-alarms --alarm-names notify-api-cpu-high
  check AlarmHistoryItems cloudwatch describe-alarm-history --alarm-name notify-api-cpu-high
  check '"StatusCode": "Complete"' cloudwatch get-metric-data --start-time 2026-05-12T09:00:00Z --end-time 2026-05-12T11:00:00Z \
    --metric-data-queries '[{"Id":"cpu","MetricStat":{"Metric":{"Namespace":"AWS/ECS","MetricName":"CPUUtilization","Dimensions":[{"Name":"ClusterName","Value":"prod-core"},{"Name":"ServiceName","Value":"notify-api"}]},"Period":300,"Stat":"Average"}}]'
  check '"Datapoints"' cloudwatch get-metric-statistics --namespace AWS/ECS --metric-name CPUUtilization \
    --dimensions Name=ClusterName,Value=prod-core Name=ServiceName,Value=notify-api --statistics Average --period 300 \
    --start-time 2026-05-12T09:00:00Z --end-time 2026-05-12T11:00:00Z
  check /ecs/notify-api logs describe-log-groups --log-group-name-prefix /ecs/
  check "notification sent" logs filter-log-events --log-group-name /ecs/notify-api --limit 5
  check AROA iam get-role --role-name notify-api-execution
  check ecs-exec-secrets-notify iam list-attached-role-policies --role-name notify-api-execution
  check '"VersionId": "v5"' iam get-policy-version --policy-arn arn:aws:iam::123456789012:policy/ecs-exec-secrets-notify --version-id v5
  check configurationItemCaptureTime configservice get-resource-config-history --resource-type AWS::IAM::Role --resource-id notify-api-execution
  check '"rolloutState"' ecs describe-services --cluster prod-core --services notify-api
  check b2d983dfc31c4b12bc80716d91cdd782 ecs list-tasks --cluster prod-core --service-name notify-api --desired-status STOPPED
  check '"stoppedReason"' ecs describe-tasks --cluster prod-core --tasks b2d983dfc31c4b12bc80716d91cdd782
}

group_b() {
  serve 061-rds-static-parameter-bites-at-reboot
  check 10.20.2.124 elbv2 describe-target-health \
    --target-group-arn arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/billing-api-tg/3f9c1a7e5d2b8406
  check billing-db rds describe-db-instances --db-instance-identifier billing-db
  check billing-pg16 rds describe-events --source-type db-parameter-group --source-identifier billing-pg16 --duration 4320

  serve 048-lambda-nat-route-deleted-one-az
  check '"LastUpdateStatus"' lambda get-function --function-name fx-rates-sync
  check fx-rates-sync-role lambda get-function-configuration --function-name fx-rates-sync
  check rtb-0a2c4e6b8d1f35790 ec2 describe-route-tables --filters Name=association.subnet-id,Values=subnet-0b1d3f5a7c9e24681
  check subnet-0c2e4a6b8d0f35792 ec2 describe-subnets
  check nat-0b3d5f7a9c1e2468a ec2 describe-nat-gateways
  check '"configurationStateId": "2"' configservice get-resource-config-history --resource-type AWS::EC2::RouteTable --resource-id rtb-0e4a6c8b0d2f17935
  check_error ValidationException configservice get-resource-config-history --resource-type AWS::Not::AType --resource-id x

  serve 050-ec2-transit-gateway-route-moved-to-dx
  check sg-0e7a9c1b3d5f24680 ec2 describe-security-groups --group-ids sg-0e7a9c1b3d5f24680
  check tgw-rtb-0c1e3a5b7d9f24680 ec2 describe-transit-gateway-route-tables

  serve 074-apigw-lambda-alias-shifted-bad-version
  check /aws/apigateway/ apigateway get-stage --rest-api-id r8t2kx5m1q --stage-name prod
  resource=$("$aws_cli" --endpoint-url "$url" apigateway get-resources --rest-api-id r8t2kx5m1q --query 'items[?path==`/payments/authorize`].id' --output text)
  check payments-authorize:live apigateway get-integration --rest-api-id r8t2kx5m1q --resource-id "$resource" --http-method POST

  serve 083-asg-instance-role-inline-policy-bucket-renamed
  check e31e7be3-9bbd-4a6c-85fd-414bb82c0bd5 autoscaling describe-scaling-activities --auto-scaling-group-name api-fleet-asg

  serve 068-sqs-redrive-maxreceivecount-lowered
  check payment-events-dlq sqs get-queue-url --queue-name payment-events-dlq
  check maxReceiveCount sqs get-queue-attributes --queue-url "$url/123456789012/payment-events" --attribute-names All
  check "$url/123456789012/payment-events" sqs list-dead-letter-source-queues --queue-url "$url/123456789012/payment-events-dlq"
}

run_group() { # run_group FUNCTION PORT
  port=$2
  url="http://127.0.0.1:${port}"
  trap stop_sandbox EXIT
  "$1"
}
run_group group_a "$base_port" >"$work/a.log" 2>&1 &
pid_a=$!
run_group group_b "$((base_port + 1))" >"$work/b.log" 2>&1 &
pid_b=$!
status=0
wait "$pid_a" || status=1
wait "$pid_b" || status=1
cat "$work/a.log" "$work/b.log"
[ "$status" -eq 0 ] || { echo "FAIL: the AWS CLI check"; exit 1; }

echo
echo "$(wc -l <"$checked") AWS CLI calls answered ($("$aws_cli" --version 2>&1)):"
declare -A protocol
while read -r service proto; do protocol[$service]=$proto; done < <(protocols $(cut -d' ' -f1 "$checked" | sort -u))
sort -u "$checked" | while read -r service op; do
  printf '  %-14s %-38s %s\n' "$service" "$op" "${protocol[$service]}"
done
