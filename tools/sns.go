package tools

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sns"
)

// OpPublish is the call-counter key of SNS Publish.
const OpPublish = "sns:Publish"

// SNS publishes notifications. The bot never publishes (CloudWatch does, and
// SNS delivers to the queue the bot polls); the demo and tests publish into
// the sandbox to drive that path as CloudWatch would.
type SNS struct{ client *sns.Client }

// NewSNS builds the client from a configuration loaded by LoadAWSConfig.
func NewSNS(cfg aws.Config) *SNS { return &SNS{client: sns.NewFromConfig(cfg)} }

// Publish sends message to the topic, with subject unless it is empty.
func (s *SNS) Publish(ctx context.Context, topicARN, subject, message string) error {
	in := &sns.PublishInput{TopicArn: aws.String(topicARN), Message: aws.String(message)}
	if subject != "" {
		in.Subject = aws.String(subject)
	}
	_, err := s.client.Publish(ctx, in)
	return Wrap(OpPublish, "publish to "+topicARN, err)
}
