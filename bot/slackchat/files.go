package slackchat

import (
	"bytes"
	"context"
	"errors"

	"github.com/slack-go/slack"

	"github.com/trailhound/trailhound/bot/chat"
)

// FileAPI is the upload flow of the Web API (files.getUploadURLExternal,
// the upload, files.completeUploadExternal). *slack.Client satisfies it.
type FileAPI interface {
	UploadFileContext(ctx context.Context, params slack.UploadFileParameters) (*slack.FileSummary, error)
}

// ErrNoUploads says the Slack client given to New cannot upload files.
var ErrNoUploads = errors.New("this Slack client cannot upload files")

// Upload shares f in thread with Slack's current upload flow. It is paced
// with the channel's posts, since it adds a message to the thread.
func (c *Client) Upload(ctx context.Context, thread chat.Ref, f chat.File) error {
	api, ok := c.api.(FileAPI)
	if !ok {
		return ErrNoUploads
	}
	return c.call(ctx, "files.completeUploadExternal", thread.Channel, func(ctx context.Context) error {
		_, err := api.UploadFileContext(ctx, slack.UploadFileParameters{
			Reader: bytes.NewReader(f.Data), FileSize: len(f.Data), Filename: f.Name, Title: f.Title,
			AltTxt: f.AltText, Channel: thread.Channel, ThreadTimestamp: thread.TS,
		})
		return err
	})
}
