package slackapi

import (
	"encoding/json"
	"net/url"
	"time"
)

// Options describes the emulated workspace and how strictly it behaves.
// Zero fields take the defaults named on each field.
type Options struct {
	TeamID     string // "T0SANDBOX"
	TeamName   string // "Sandbox"
	TeamDomain string // "sandbox": permalinks are https://<domain>.slack.com/…
	AppID      string // "A0SANDBOX"

	BotUserID string // the bot's user ("U0BOT")
	BotName   string // "trailhound"
	BotID     string // the bot_id its messages carry ("B0BOT")

	BotToken string // xoxb token every Web API method but apps.connections.open wants ("xoxb-sandbox")
	AppToken string // xapp token apps.connections.open wants ("xapp-sandbox")

	// Users are the humans of the workspace; the bot user is added to them.
	// Default: one user "U0ONCALL" in UTC.
	Users []User
	// Channels default to one, "C0ALERTS" named "alerts".
	Channels []Channel
	// Command is the slash command SlashCommand invokes ("/trailhound").
	Command string

	Pace Pace
	// Tier3 limits chat.update and reactions.add workspace-wide.
	Tier3  Tier3
	Socket SocketOptions

	// Now is the workspace clock (time.Now): message ts, event times, pacing.
	Now func() time.Time
}

// User is a member of the workspace as users.info reports it.
type User struct {
	ID          string
	Name        string
	RealName    string
	DisplayName string
	Email       string
	// Location is the user's time zone; nil means the user never set one, and
	// users.info then carries no tz, tz_label or tz_offset.
	Location *time.Location
	// TZLabel overrides the zone label; by default it is the zone's
	// abbreviation at the current time (e.g. "CEST").
	TZLabel string
	IsBot   bool
	Deleted bool
}

// Channel is a public channel of the workspace.
type Channel struct {
	ID   string
	Name string
	// BotAbsent: the bot is not a member, so chat.postMessage answers
	// not_in_channel and the app receives no events from the channel.
	BotAbsent bool
}

// Pace is the per-channel pace of chat.postMessage. Slack lets an app post
// about one message per second to a channel and answers HTTP 429 with
// Retry-After beyond that.
type Pace struct {
	Disabled  bool
	PerSecond float64 // sustained rate per channel (1)
	Burst     int     // messages allowed back to back (1)
}

// SocketOptions tune the Socket Mode side.
type SocketOptions struct {
	// PingInterval between WebSocket pings to each connection (10s). The
	// slack-go client drops a connection that saw no ping for 30 s.
	PingInterval time.Duration
	// AckTimeout is how long an envelope may stay unacknowledged (3s, Slack's
	// limit). Then an events_api envelope is delivered again with
	// retry_attempt incremented; a slash command or an interaction times out.
	AckTimeout time.Duration
	// MaxRetries bounds the redeliveries of one event (3).
	MaxRetries int
	// NoRedelivery turns redelivery off: an unacked event is dropped.
	NoRedelivery bool
	// DisconnectGrace is how long a connection told to disconnect stays open
	// before the server closes it (1s).
	DisconnectGrace time.Duration
	// ConnectionLifetime, when set, makes the server ask each connection to
	// refresh after that long, as Slack does every few hours.
	ConnectionLifetime time.Duration
}

// Message is a message as the workspace stores it.
type Message struct {
	Channel   string
	TS        string
	ThreadTS  string // the root's ts for a reply; a root with replies carries its own ts
	User      string // author; the bot user for the bot's own posts; empty for integrations
	BotID     string
	Username  string
	Subtype   string
	Text      string
	Blocks    json.RawMessage // as stored, every block with a block_id
	Broadcast bool            // a reply also shown in the channel (reply_broadcast)
	// Attachments are the legacy attachments as posted (raw JSON array).
	Attachments json.RawMessage
	// Metadata is the message metadata as posted (a JSON object with
	// event_type and event_payload), returned only to reads that ask for
	// it with include_all_metadata.
	Metadata json.RawMessage
	// Recipient is set on ephemeral messages: the only user who sees them.
	Recipient string
	// Edits are the earlier versions, oldest first; Text and Blocks are current.
	Edits     []Revision
	Reactions []Reaction
	// Files are the files shared with the message (files.completeUploadExternal).
	Files   []File
	Deleted bool
	Posted  time.Time // when the server stored it (real time)
}

// File is a file shared in a message, with its bytes.
type File struct {
	ID      string
	Name    string
	Title   string
	AltText string
	Data    []byte
}

// IsReply reports whether m is a reply in a thread.
func (m Message) IsReply() bool { return m.ThreadTS != "" && m.ThreadTS != m.TS }

// Revision is an earlier version of an edited message.
type Revision struct {
	Text   string
	Blocks json.RawMessage
	At     time.Time // when it was replaced
}

// Reaction is one emoji on a message and who added it.
type Reaction struct {
	Name  string
	Users []string
}

// Call is one Web API request as the server received it.
type Call struct {
	Method string
	Args   url.Values // form, query and JSON body fields; the token is left out
	At     time.Time  // when it arrived (real time, whatever the workspace clock)
	Status int        // HTTP status answered
	Error  string     // Slack error code when ok was false ("ratelimited" for 429)
}
