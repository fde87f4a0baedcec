package slackchat

import (
	"context"
	"errors"

	"github.com/slack-go/slack"

	"github.com/trailhound/trailhound/blocks"
)

// ViewAPI publishes App Home views. *slack.Client satisfies it.
type ViewAPI interface {
	PublishViewContext(ctx context.Context, req slack.PublishViewContextRequest) (*slack.ViewResponse, error)
}

// ErrNoViews says the Slack client given to New cannot publish views.
var ErrNoViews = errors.New("this Slack client cannot publish views")

// PublishHome shows m as user's App Home tab.
func (c *Client) PublishHome(ctx context.Context, user string, m blocks.Message) error {
	api, ok := c.api.(ViewAPI)
	if !ok {
		return ErrNoViews
	}
	view := slack.HomeTabViewRequest{Type: slack.VTHomeTab, Blocks: slack.Blocks{BlockSet: m.Blocks}}
	return c.call(ctx, "views.publish", "", func(ctx context.Context) error {
		_, err := api.PublishViewContext(ctx, slack.PublishViewContextRequest{UserID: user, View: view})
		return err
	})
}
