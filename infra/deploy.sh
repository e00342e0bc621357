#!/usr/bin/env bash
# `make deploy`: upload what `make package` built and create or update the stack in one command.
#
#   make deploy STACK=ordersite ALLOWED_CIDR=203.0.113.7/32 PANDAS_LAYER_ARN=arn:aws:lambda:...
#
# Optional: AWS_REGION or AWS_PROFILE (else the CLI's defaults), SITE_HOSTNAME, ALARM_EMAIL, AMI_ID, and
# PARAMS="LambdaMemoryMb=2048 InstanceType=t3.medium ..." for any other template parameter.
# The very first deploy creates the stack without the Lambda and the web server (their code must be in
# the stack's own bucket first), uploads the artifacts, then deploys again with them.
set -euo pipefail
cd "$(dirname "$0")/.."

die() {
    echo "make deploy: $*" >&2
    exit 1
}

aws --version >/dev/null 2>&1 || die "the AWS CLI is not installed (or does not run), and deploying needs it.
  Install it (https://docs.aws.amazon.com/cli/latest/userguide/getting-started-install.html),
  give it credentials for the target account ('aws configure', or AWS_PROFILE=...), then run make deploy again.
  Nothing was uploaded or changed."

[[ "${STACK:-}" =~ ^[a-z][a-z0-9-]{0,29}$ ]] ||
    die "set STACK=<name>: 1-30 lower-case letters, digits or hyphens, starting with a letter (it also names the bucket)"
[[ "${ALLOWED_CIDR:-}" =~ ^([0-9]{1,3}\.){3}[0-9]{1,3}/[0-9]{1,2}$ ]] ||
    die "set ALLOWED_CIDR=<address>/32, the only network that may open the site (your address: curl -s https://checkip.amazonaws.com)"
[[ "${PANDAS_LAYER_ARN:-}" =~ ^arn:aws[a-z-]*:lambda:[a-z0-9-]+:[0-9]{12}:layer:AWSSDKPandas-Python312:[0-9]+$ ]] ||
    die "set PANDAS_LAYER_ARN to the AWSSDKPandas-Python312 layer ARN of your region (README, 'AWS deployment')"
DIST=${DIST:-dist}
[ -f "$DIST/artifacts.json" ] || die "$DIST/artifacts.json is missing: run make package first"

PYTHON=${PYTHON:-python3}
artifact() { "$PYTHON" -c 'import json, sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$DIST/artifacts.json" "$1"; }
lambda_zip=$(artifact lambda_zip)
app_artifact=$(artifact app_artifact)

aws sts get-caller-identity --query Account --output text >/dev/null ||
    die "the AWS CLI has no working credentials: run 'aws configure' or set AWS_PROFILE"

status=$(aws cloudformation describe-stacks --stack-name "$STACK" --query 'Stacks[0].StackStatus' --output text 2>/dev/null || echo NONE)
case "$status" in
    ROLLBACK_COMPLETE | ROLLBACK_FAILED | DELETE_FAILED)
        die "stack $STACK is in $status: see its events in the CloudFormation console, delete it
  (aws cloudformation delete-stack --stack-name $STACK) and run make deploy again" ;;
    *_IN_PROGRESS) [ "$status" = REVIEW_IN_PROGRESS ] || die "stack $STACK is busy ($status); wait for it to finish" ;;
esac

# The web server's image is chosen once, when the stack is created, and then kept: were it re-read on
# every update, a new image published by AWS would replace the instance. AMI_ID=ami-... changes it on
# purpose (the data volume, with the database and certificate, moves over to the new instance).
ami=${AMI_ID:-}
if [ -z "$ami" ] && [ "$status" != NONE ]; then
    ami=$(aws cloudformation describe-stacks --stack-name "$STACK" \
        --query "Stacks[0].Parameters[?ParameterKey=='AmiId'].ParameterValue" --output text)
fi
if [ -z "$ami" ] || [ "$ami" = None ]; then
    ami=$(aws ssm get-parameter --name /aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64 \
        --query Parameter.Value --output text) ||
        die "could not look up the Amazon Linux 2023 image (ssm get-parameter); set AMI_ID=ami-... to choose one"
fi
[[ "$ami" =~ ^ami-[0-9a-f]{8,17}$ ]] || die "AMI_ID must look like ami-0123456789abcdef0, got '$ami'"
echo "make deploy: web server image $ami"

common=(--stack-name "$STACK" --template-file infra/cloudformation.yaml --capabilities CAPABILITY_IAM
    --no-fail-on-empty-changeset --tags app=ordersite)
params=("AllowedCidr=$ALLOWED_CIDR" "PandasLayerArn=$PANDAS_LAYER_ARN" "AmiId=$ami"
    "SiteHostName=${SITE_HOSTNAME:-}" "AlarmEmail=${ALARM_EMAIL:-}")
# shellcheck disable=SC2206  # PARAMS is a space-separated list of Key=Value on purpose
extra=(${PARAMS:-})
# Under `set -u`, bash before 4.4 (macOS ships 3.2) calls "${extra[@]}" of an empty array unbound:
# ${extra[@]+"${extra[@]}"} expands to nothing instead.

if [ "$status" = NONE ] || [ "$status" = REVIEW_IN_PROGRESS ]; then
    echo "make deploy: creating stack $STACK (bucket, queues, catalog) so the artifacts have somewhere to go"
    aws cloudformation deploy "${common[@]}" --parameter-overrides "${params[@]}" ${extra[@]+"${extra[@]}"} \
        LambdaCodeKey= AppArtifactKey=
fi

bucket=$(aws cloudformation describe-stacks --stack-name "$STACK" \
    --query "Stacks[0].Outputs[?OutputKey=='BucketName'].OutputValue" --output text)
if [ -z "$bucket" ] || [ "$bucket" = None ]; then die "stack $STACK has no BucketName output"; fi

echo "make deploy: uploading $lambda_zip and $app_artifact to s3://$bucket/artifacts/"
aws s3 cp --only-show-errors "$DIST/$lambda_zip" "s3://$bucket/artifacts/$lambda_zip"
aws s3 cp --only-show-errors "$DIST/$app_artifact" "s3://$bucket/artifacts/$app_artifact"

echo "make deploy: deploying stack $STACK"
aws cloudformation deploy "${common[@]}" --parameter-overrides "${params[@]}" ${extra[@]+"${extra[@]}"} \
    "LambdaCodeKey=artifacts/$lambda_zip" "AppArtifactKey=artifacts/$app_artifact"

aws cloudformation describe-stacks --stack-name "$STACK" --query 'Stacks[0].Outputs' --output table
echo "make deploy: done. A new or updated web server needs 5-10 minutes to install itself before DashboardUrl answers."
