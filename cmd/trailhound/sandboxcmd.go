package main

import (
	"context"
	"fmt"
	"io"

	"github.com/trailhound/trailhound/investigation/scenario"
	"github.com/trailhound/trailhound/sandbox/awsapi"
)

func runSandbox(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("sandbox", `trailhound sandbox --scenario DIR [--listen 127.0.0.1:4566] [--latency 50ms] [--throttle]

Serves a scenario as AWS APIs (CloudTrail, CloudWatch, CloudWatch Logs, IAM, Config, Lambda,
EC2, ELBv2, RDS, ECS, SNS, SQS, Bedrock) over their real wire protocols until interrupted.
Point any AWS SDK or the AWS CLI at it with AWS_ENDPOINT_URL and any static credentials.`, stdout, stderr)
	dir := fs.String("scenario", "", "scenario folder")
	listen := fs.String("listen", "127.0.0.1:4566", "address to listen on")
	latency := fs.Duration("latency", 0, "latency added to every request, e.g. 50ms")
	throttle := fs.Bool("throttle", false, "enforce the real rate limits (LookupEvents: 2 requests/s)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *dir == "" {
		return usageError("sandbox: --scenario is required")
	}
	if *latency < 0 {
		return usageError("sandbox: --latency cannot be negative")
	}
	sc, err := scenario.Load(*dir)
	if err != nil {
		return err
	}
	srv, err := awsapi.Start(ctx, sc, awsapi.Options{Addr: *listen, Latency: *latency, Throttle: *throttle})
	if err != nil {
		return err
	}
	defer srv.Close()
	fmt.Fprintf(stdout, "AWS sandbox for %q serving on %s\n", sc.Meta.Title, srv.URL())
	fmt.Fprintf(stdout, "  export AWS_ENDPOINT_URL=%s AWS_REGION=%s AWS_ACCESS_KEY_ID=sandbox AWS_SECRET_ACCESS_KEY=sandbox\n", srv.URL(), sc.Meta.Region)
	fmt.Fprintln(stdout, "Stop with Ctrl-C.")
	<-ctx.Done()
	return nil
}
