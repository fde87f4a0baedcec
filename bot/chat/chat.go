// Package chat holds the words the bot and its chat adapters share: where
// a message is, and the requests people make in a chat workspace (a
// message, a mention, a slash command, a button click), already read out of
// the wire format. It imports nothing of the project, so that the bot's
// workflow and a transport (Slack in bot/slackchat) meet without either
// depending on the other.
package chat

import (
	"context"
	"errors"
	"time"
)

// ErrEditBudget says an edit was not tried because the workspace's pace of
// edits has no room now: the caller keeps its edit for later.
var ErrEditBudget = errors.New("chat.update pace has no room now")

// Ref is where a message is: its channel and timestamp. A thread is the Ref
// of its root message.
type Ref struct {
	Channel string
	TS      string
}

// IsZero reports whether r names no message.
func (r Ref) IsZero() bool { return r == Ref{} }

func (r Ref) String() string { return r.Channel + "/" + r.TS }

// Message is a message posted in a channel the bot reads.
type Message struct {
	Channel  string
	TS       string
	ThreadTS string // the thread it was posted in; empty for a root message
	User     string
	BotID    string // set for messages of integrations and apps
	SubType  string // "" for a person's message, "bot_message", "thread_broadcast", …
	Text     string
	// Texts are what to read an alarm notification from, in order: the
	// message's own text, then everything it shows (attachments, blocks),
	// links kept in the <url|label> markup.
	Texts []string
	// Own says the bot itself posted it; MentionsBot that the text
	// mentions the bot (answered as a Mention instead).
	Own         bool
	MentionsBot bool
	Received    time.Time
}

// Root is the thread the message belongs to: its own, or the one it was
// posted in.
func (m Message) Root() string {
	if m.ThreadTS != "" {
		return m.ThreadTS
	}
	return m.TS
}

// Mention is a message that mentions the bot.
type Mention struct {
	Channel  string
	TS       string
	ThreadTS string
	User     string
	Text     string
	Own      bool
	Received time.Time
}

// Command is a slash command typed in a channel.
type Command struct {
	Name     string // the command, e.g. "/trailhound"
	Channel  string
	User     string
	Text     string // what follows the command
	Received time.Time
}

// Click is one press of a button of one of the bot's messages.
type Click struct {
	Channel   string
	User      string
	MessageTS string // the message the button is on
	ThreadTS  string // the thread that message is in, if any
	ActionID  string
	Value     string
}

// File is a file the bot shares in a thread: a picture, with the words
// that say what it shows for those who cannot see it.
type File struct {
	Name    string // "checkout-errors-timeline.png"
	Title   string
	AltText string
	Data    []byte
}

// Posted is a message read back from a thread.
type Posted struct {
	TS       string
	Own      bool     // posted by the bot
	BlockIDs []string // the block ids of its blocks
	// EventType and Payload are the message's metadata, when it has some.
	EventType string
	Payload   map[string]any
}

// Zone is the time zone a member's times are read in; Note is set, for the
// member to read, when it is a fallback rather than their own.
type Zone struct {
	Loc  *time.Location
	Note string
}

// Handler answers what people do in the workspace: a transport reads its
// wire format into these requests and calls the bot's Handler.
type Handler interface {
	OnMessage(ctx context.Context, m Message)
	OnMention(ctx context.Context, m Mention)
	OnCommand(ctx context.Context, c Command)
	OnClick(ctx context.Context, c Click)
	// OnHomeOpened: user opened the app's Home tab.
	OnHomeOpened(ctx context.Context, user string)
}

// WorkMessage is the kind of recorded work that a chat message is: a
// transport records the messages it acknowledges as work of this kind,
// their body the Message as JSON, and the bot reads them back.
const WorkMessage = "slack-message"

// Sleep waits d or until ctx ends, whichever comes first: the bot's loops
// and the Slack transport back off with it and stop as soon as they are told.
func Sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
