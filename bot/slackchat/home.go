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

// ConversationAPI reads a channel's details. *slack.Client satisfies it.
type ConversationAPI interface {
	GetConversationInfoContext(ctx context.Context, input *slack.GetConversationInfoInput) (*slack.Channel, error)
}

// ErrNoConversations says the Slack client given to New cannot read
// channels' details.
var ErrNoConversations = errors.New("this Slack client cannot read channel details")

// ChannelName is the name of the channel with id channel, without "#"
// (conversations.info).
func (c *Client) ChannelName(ctx context.Context, channel string) (string, error) {
	api, ok := c.api.(ConversationAPI)
	if !ok {
		return "", ErrNoConversations
	}
	var name string
	err := c.call(ctx, "conversations.info", "", func(ctx context.Context) error {
		ch, err := api.GetConversationInfoContext(ctx, &slack.GetConversationInfoInput{ChannelID: channel})
		if err != nil {
			return err
		}
		name = ch.Name
		return nil
	})
	return name, err
}
