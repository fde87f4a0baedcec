// Package slackchat is the bot's Slack transport, and the only package
// under bot that speaks Slack: the Socket Mode loop (messages, which may
// carry alarms, recorded as work once across replicas before they are
// acknowledged; other envelopes acknowledged first, then claimed once
// across replicas and handled by a bounded set of intake workers), the Web
// API calls out (chat.postMessage
// paced per channel, 429s and transient errors retried), the reading of
// messages, mentions, slash commands and button clicks into the bot's own
// request types (package chat), and members' time zones (users.info).
package slackchat

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/slack-go/slack"
	"github.com/slack-go/slack/socketmode"

	"github.com/trailhound/trailhound/bot/chat"
)

// API is the part of the Slack Web API the transport calls. *slack.Client
// satisfies it.
type API interface {
	AuthTestContext(ctx context.Context) (*slack.AuthTestResponse, error)
	PostMessageContext(ctx context.Context, channelID string, options ...slack.MsgOption) (string, string, error)
	UpdateMessageContext(ctx context.Context, channelID, timestamp string, options ...slack.MsgOption) (string, string, string, error)
	PostEphemeralContext(ctx context.Context, channelID, userID string, options ...slack.MsgOption) (string, error)
	GetConversationRepliesContext(ctx context.Context, params *slack.GetConversationRepliesParameters) ([]slack.Message, bool, string, error)
	AddReactionContext(ctx context.Context, name string, item slack.ItemRef) error
}

// UserDirectory reads a member's profile, for the time zone their times are
// typed in. *slack.Client satisfies it.
type UserDirectory interface {
	GetUserInfoContext(ctx context.Context, user string, options ...slack.GetUserInfoOption) (*slack.User, error)
}

// Socket is a Socket Mode connection: it runs until ctx ends, delivers
// events and sends acknowledgements. SocketMode adapts *socketmode.Client.
type Socket interface {
	RunContext(ctx context.Context) error
	Events() <-chan socketmode.Event
	AckCtx(ctx context.Context, envelopeID string, payload any) error
}

// SocketMode adapts the slack-go Socket Mode client to Socket.
func SocketMode(c *socketmode.Client) Socket { return socketModeClient{c} }

type socketModeClient struct{ *socketmode.Client }

func (c socketModeClient) Events() <-chan socketmode.Event { return c.Client.Events }

// Envelopes claims envelopes across replicas, so that Slack's redeliveries
// and the other replicas' sockets never have one handled twice.
// *store.Store satisfies it.
type Envelopes interface {
	ClaimEnvelope(ctx context.Context, id string, ttl time.Duration) (bool, error)
}

// Recorder records a delivery as work to do, once per id within ttl, and
// reports whether this call recorded it. *store.Store satisfies it.
type Recorder interface {
	RecordWork(ctx context.Context, id string, ttl time.Duration, kind string, body []byte) (bool, error)
}

// Defaults of Options.
const (
	DefaultIntakeWorkers = 8
	DefaultIntakeQueue   = 1024
	// DefaultPostInterval is a tenth above Slack's pace of one message per
	// second per channel: with jitter between two posts, Slack must never
	// see them closer than a second apart, since each 429 costs a whole
	// second of Retry-After.
	DefaultPostInterval = 1100 * time.Millisecond
	// DefaultEditsPerMinute and DefaultEditBurst keep chat.update and
	// reactions.add under Slack's Tier 3, "50+ per minute" per method and
	// workspace, with sporadic bursts.
	DefaultEditsPerMinute = 50
	DefaultEditBurst      = 5
	DefaultSlackAttempts  = 5
	DefaultSlackTimeout   = 10 * time.Second
)

// Options tune the transport. Zero fields take the defaults above.
type Options struct {
	// Envelopes deduplicates envelopes, each remembered for EnvelopeTTL
	// (zero: the claimer's default); nil handles every delivery. It also
	// shares each channel's posting slots between replicas (PostLater).
	Envelopes   Envelopes
	EnvelopeTTL time.Duration
	// Record, when set, takes the messages of other members and apps
	// (what may carry an alarm) out of the handler's way: each is recorded
	// as work, once across replicas, and acknowledged only once recorded;
	// one that cannot be recorded is not acknowledged, so Slack delivers it
	// again. Whoever reads the work handles it.
	Record Recorder
	// Users reads members' time zones; nil uses the API when it can
	// (*slack.Client does), else times are read in UTC.
	Users UserDirectory
	// IntakeWorkers handle acknowledged envelopes; IntakeQueue bounds what
	// waits for them.
	IntakeWorkers int
	IntakeQueue   int
	// PostInterval paces chat.postMessage per channel; PostBurst allows
	// that many back to back.
	PostInterval time.Duration
	PostBurst    int
	// EditsPerMinute paces each Tier 3 method (chat.update,
	// reactions.add) workspace-wide; EditBurst allows that many back to
	// back.
	EditsPerMinute int
	EditBurst      int
	// SlackAttempts bounds the tries of one Web API call (rate limits and
	// transient errors are retried); SlackTimeout bounds each try.
	SlackAttempts int
	SlackTimeout  time.Duration
	Now           func() time.Time
	Logger        *slog.Logger
	// Metrics registers the transport's collectors; nil keeps them unregistered.
	Metrics prometheus.Registerer
}

func (o Options) withDefaults() Options {
	setInt := func(v *int, d int) {
		if *v <= 0 {
			*v = d
		}
	}
	setDur := func(v *time.Duration, d time.Duration) {
		if *v <= 0 {
			*v = d
		}
	}
	setInt(&o.IntakeWorkers, DefaultIntakeWorkers)
	setInt(&o.IntakeQueue, DefaultIntakeQueue)
	setDur(&o.PostInterval, DefaultPostInterval)
	setInt(&o.PostBurst, 1)
	setInt(&o.EditsPerMinute, DefaultEditsPerMinute)
	setInt(&o.EditBurst, DefaultEditBurst)
	setInt(&o.SlackAttempts, DefaultSlackAttempts)
	setDur(&o.SlackTimeout, DefaultSlackTimeout)
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return o
}

// Client is the bot's Slack workspace: what comes in over Socket Mode and
// what goes out over the Web API. Build it with New.
type Client struct {
	api    API
	socket Socket
	opts   Options
	log    *slog.Logger
	m      *metrics
	zones  *zones

	mu       sync.Mutex
	channels map[string]*channelPace
	lanes    map[string]chan struct{} // PostLater's, one per channel

	intake chan intakeItem
	// Routing tables of what comes in, filled by New.
	lifecycle map[socketmode.EventType]func(socketmode.Event)
	envelopes map[socketmode.EventType]func(context.Context, chat.Handler, intakeItem)
	events    map[string]func(context.Context, chat.Handler, intakeItem, any)

	// Set by Connect.
	botUserID string
	botID     string

	connected atomic.Bool
}

// intakeItem is an acknowledged envelope waiting for an intake worker.
type intakeItem struct {
	evt      socketmode.Event
	received time.Time
}

// New builds the transport over the Web API and a Socket Mode connection.
func New(api API, socket Socket, opts Options) (*Client, error) {
	if api == nil || socket == nil {
		return nil, errors.New("slackchat: the Web API and the socket are required")
	}
	opts = opts.withDefaults()
	c := &Client{
		api: api, socket: socket, opts: opts, log: opts.Logger,
		channels: map[string]*channelPace{},
		lanes:    map[string]chan struct{}{},
		intake:   make(chan intakeItem, opts.IntakeQueue),
	}
	if opts.Users == nil {
		opts.Users, _ = api.(UserDirectory)
		c.opts.Users = opts.Users
	}
	c.m = newMetrics(opts.Metrics)
	c.zones = newZones(opts.Users, opts.Now, c.log)
	c.routes()
	return c, nil
}

// Open connects to a workspace by its tokens: apiURL empty is Slack's own.
func Open(botToken, appToken, apiURL string, opts Options) (*Client, error) {
	var o []slack.Option
	if apiURL != "" {
		o = append(o, slack.OptionAPIURL(apiURL))
	}
	api := slack.New(botToken, append(o, slack.OptionAppLevelToken(appToken))...)
	return New(api, SocketMode(socketmode.New(api)), opts)
}

// Connected reports whether Socket Mode has said hello on the current
// connection.
func (c *Client) Connected() bool { return c.connected.Load() }

// Pending is how many acknowledged envelopes wait for an intake worker.
func (c *Client) Pending() int { return len(c.intake) }
